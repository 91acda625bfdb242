import { createHash } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { Db, Sql } from '../db/index.ts';
import type { FileStore } from '../files/store.ts';
import { QUEUES, type Jobs } from '../jobs/index.ts';
import { holdBack, takeSlot } from '../jobs/pacing.ts';
import type { Logger } from '../log.ts';
import { backoffDelay } from '../shared/backoff.ts';
import { channelLabel, ticketCard } from './card.ts';
import type { SlackConfig } from './config.ts';
import { classifySlackError, type SlackFailure } from './slack-api.ts';
import {
  agentNameStale,
  cardSource,
  clearMovedFrom,
  completeItems,
  forgetCard,
  leaseCard,
  markCardBehind,
  pendingItems,
  recordCardPosted,
  recordCardRendered,
  releaseCard,
  saveAgentName,
  type CardRow,
} from './slack-sql.ts';
import { nextStep, type Speaker, type Step } from './thread-posts.ts';
import { escapeMrkdwn } from './text.ts';

/** What the sync job needs, passed in once. */
export interface SyncDeps {
  sql: Sql;
  jobs: Jobs;
  client: webApi.WebClient;
  files: FileStore;
  logger: Logger;
  config: SlackConfig;
  /** The desk's team names, for the card's team menu. */
  teams?: readonly string[];
}

// Longest a worker waits in hand for a slot; beyond it the job is deferred to the slot instead.
const MAX_PACING_WAIT_MS = 1_500;
// A run holds the ticket's Slack writes this long at most (a crashed run frees them after it).
const HOLD_MS = 60_000;
// A run hands over to a fresh job after this long, well inside HOLD_MS.
const RUN_BUDGET_MS = 20_000;
const BATCH = 50;
// Retries of a failing Slack call: 1 s, doubling, at most 5 minutes apart, forever: a post is
// delayed by an outage, never dropped.
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;

type RunResult = { kind: 'done' } | { kind: 'wait'; ms: number } | { kind: 'failed'; ms: number; failures: number; reason: string };

/** Triggers the ticket's sync job now, or after `delayMs` (a retry, a pacing slot). */
export async function scheduleSync(jobs: Jobs, db: Db, ticketId: number, delayMs = 0, key: 'later' | 'held' = 'later'): Promise<void> {
  // The queue keeps one waiting job per key, so a delayed run has a key of its own: a retry's
  // wait or a hold's safety net never holds back the run a new change triggers.
  const singletonKey = delayMs > 0 ? `${ticketId}:${key}` : String(ticketId);
  // A trigger for a change: the job may be dropped as a duplicate of a queued one that starts
  // before this transaction commits, so the card row carries the news too (see markCardBehind).
  if (delayMs === 0) await markCardBehind(db, ticketId);
  await jobs.send(db, QUEUES.slackSync, { ticketId }, { singletonKey, ...(delayMs > 0 ? { startAfter: new Date(Date.now() + delayMs) } : {}) });
}

/**
 * The sync job: posts the ticket's card if it has none, then its outbox oldest first (one
 * writer per ticket, so the thread keeps the order things happened), then re-renders the
 * card when it changed. A Slack failure never throws: the run ends and the job is scheduled
 * again (Retry-After, or backoff). Items leave the outbox only once Slack has them, so a run
 * that dies is picked up by the next.
 */
export async function syncTicket(deps: SyncDeps, ticketId: number): Promise<void> {
  const lease = await leaseCard(deps.sql, ticketId, HOLD_MS);
  if (!lease) return;
  if ('heldForMs' in lease) {
    // The holder runs again as it lets go (leaseCard asked it to); this later run only covers
    // a holder that dies first.
    await scheduleSync(deps.jobs, deps.sql, ticketId, lease.heldForMs + 50, 'held');
    return;
  }
  const { card } = lease;
  if (card.retryInMs > 0) {
    // A backed-off retry is pending; an earlier trigger (a new message) must not cut it short.
    await releaseCard(deps.sql, ticketId, { failures: card.failures, retryAfterMs: card.retryInMs });
    await scheduleSync(deps.jobs, deps.sql, ticketId, card.retryInMs);
    return;
  }
  let result: RunResult;
  try {
    result = await run(deps, card);
  } catch (error) {
    await releaseCard(deps.sql, ticketId, { failures: card.failures }).catch(() => {});
    throw error;
  }
  if (result.kind === 'done') {
    const { rerun } = await releaseCard(deps.sql, ticketId, { failures: 0 });
    // A change came while this run held the ticket, perhaps after it read what it wrote.
    if (rerun) await scheduleSync(deps.jobs, deps.sql, ticketId);
    return;
  }
  if (result.kind === 'wait') {
    await releaseCard(deps.sql, ticketId, { failures: card.failures });
  } else {
    await releaseCard(deps.sql, ticketId, { failures: result.failures, retryAfterMs: result.ms, error: result.reason });
  }
  await scheduleSync(deps.jobs, deps.sql, ticketId, result.ms);
}

async function run(deps: SyncDeps, card: CardRow): Promise<RunResult> {
  const log = deps.logger.child({ ticket: card.number, slackChannel: card.channel });
  const fail = (failure: SlackFailure, channel?: string) => failed(deps, log, card, failure, channel);

  if (!card.ts) {
    const source = await cardSource(deps.sql, card.ticketId);
    if (!source) return { kind: 'done' };
    const rendered = ticketCard({ ...source, teams: deps.teams ?? [] });
    const paced = await pace(deps, card.channel);
    if (paced) return paced;
    try {
      const posted = await deps.client.chat.postMessage({ channel: card.channel, text: rendered.text, blocks: rendered.blocks, unfurl_links: false, unfurl_media: false });
      card.ts = posted.ts!;
      card.rendered = digest(rendered);
      await recordCardPosted(deps.sql, card.ticketId, card.ts, card.rendered);
      card.failures = 0;
      log.info({ ts: card.ts }, 'ticket card posted');
    } catch (error) {
      return fail(classifySlackError(error), card.channel);
    }
  }
  if (card.movedFrom) {
    // The old card becomes a one-line pointer; its thread stays under it, reachable.
    const { channel, ts } = card.movedFrom;
    try {
      await deps.client.chat.update({ channel, ts, text: `:arrow_right: #${card.number} moved to the *${escapeMrkdwn(card.team ?? 'other')}* team: <#${card.channel}>. Its conversation continues there.`, blocks: [] });
    } catch (error) {
      const failure = classifySlackError(error);
      if (failure.kind !== 'refused' || !['message_not_found', 'cant_update_message'].includes(failure.code)) return fail(failure, channel);
    }
    await clearMovedFrom(deps.sql, card.ticketId);
    card.movedFrom = null;
  }

  const speaker: Speaker = { label: card.customer, emoji: channelLabel(card.ticketChannel).emoji, ticket: card.number };
  const started = Date.now();
  for (;;) {
    const items = await pendingItems(deps.sql, card.ticketId, BATCH, { channel: card.channel, ts: card.ts! });
    if (items.length === 0) break;
    if (Date.now() - started > RUN_BUDGET_MS) return { kind: 'wait', ms: 0 };
    const step = nextStep(items, speaker);
    const outcome = await perform(deps, card, step);
    if (outcome.kind === 'wait') return outcome;
    if (outcome.kind === 'failed') {
      if (outcome.failure.kind === 'refused' && outcome.failure.code === 'thread_not_found') {
        // Someone deleted the card: post a new one and carry on in its thread.
        log.warn('ticket card was deleted in Slack; posting a new one');
        await forgetCard(deps.sql, card.ticketId);
        return { kind: 'wait', ms: 0 };
      }
      return fail(outcome.failure, outcome.channel);
    }
    await completeItems(deps.sql, step.ids, outcome.ts);
    // Slack took something: a later failure backs off from the start again.
    if (step.kind !== 'skip') card.failures = 0;
  }

  const source = await cardSource(deps.sql, card.ticketId);
  if (!source) return { kind: 'done' };
  if (source.ticket.assignee) await learnAgentName(deps, log, source.ticket.assignee);
  const rendered = ticketCard({ ...source, teams: deps.teams ?? [] });
  const fresh = digest(rendered);
  if (fresh === card.rendered) return { kind: 'done' };
  try {
    await deps.client.chat.update({ channel: card.channel, ts: card.ts, text: rendered.text, blocks: rendered.blocks });
    await recordCardRendered(deps.sql, card.ticketId, fresh);
    return { kind: 'done' };
  } catch (error) {
    const failure = classifySlackError(error);
    if (failure.kind === 'refused' && (failure.code === 'message_not_found' || failure.code === 'cant_update_message')) {
      log.warn({ code: failure.code }, 'ticket card is gone from Slack; posting a new one');
      await forgetCard(deps.sql, card.ticketId);
      return { kind: 'wait', ms: 0 };
    }
    return fail(failure);
  }
}

type Performed = { kind: 'done'; ts: string | null } | { kind: 'wait'; ms: number } | { kind: 'failed'; failure: SlackFailure; channel?: string };

/** Carries out one step in Slack. */
async function perform(deps: SyncDeps, card: CardRow, step: Step): Promise<Performed> {
  const { client } = deps;
  const thread = { channel: card.channel, thread_ts: card.ts! };
  const attempt = async (channel: string | undefined, call: () => Promise<string | null>): Promise<Performed> => {
    if (channel) {
      const paced = await pace(deps, channel);
      if (paced) return paced;
    }
    try {
      return { kind: 'done', ts: await call() };
    } catch (error) {
      return { kind: 'failed', failure: classifySlackError(error), ...(channel ? { channel } : {}) };
    }
  };

  switch (step.kind) {
    case 'skip':
      return { kind: 'done', ts: null };
    case 'post':
      return attempt(card.channel, async () => {
        const posted = await client.chat.postMessage({
          ...thread,
          text: step.text,
          ...(step.blocks ? { blocks: step.blocks } : {}),
          unfurl_links: false,
          unfurl_media: false,
          // Customer lines are signed with their name (chat:write.customize).
          ...(step.username ? { username: step.username, icon_emoji: step.iconEmoji } : {}),
        });
        return posted.ts ?? null;
      });
    case 'upload':
      return attempt(card.channel, async () => {
        const file_uploads = await Promise.all(step.files.map(async (f) => ({ file: Buffer.from(await deps.files.read(f.ref)), filename: f.name })));
        await client.filesUploadV2({ channel_id: card.channel, thread_ts: card.ts!, initial_comment: step.comment, file_uploads });
        return null;
      });
    case 'react': {
      const reacted = await attempt(undefined, async () => {
        await client.reactions.add({ channel: card.channel, timestamp: step.ts, name: step.name });
        return null;
      });
      // Already there (a repeated run), or the agent deleted their message: nothing to do.
      return refusedAs(reacted, ['already_reacted', 'message_not_found']);
    }
    case 'revise': {
      // chat.update counts against its own per-workspace tier, not the channel's post rate: no
      // slot to reserve. Username and icon stay as posted. https://docs.slack.dev/reference/methods/chat.update
      const revised = await attempt(undefined, async () => {
        await client.chat.update({ channel: card.channel, ts: step.ts, text: step.text });
        return null;
      });
      // The post was deleted in Slack, or is not ours to change: nothing left to update.
      return refusedAs(revised, ['message_not_found', 'cant_update_message']);
    }
    case 'escalation': {
      let link = '';
      try {
        link = (await client.chat.getPermalink({ channel: card.channel, message_ts: card.ts! })).permalink ?? '';
      } catch (error) {
        const failure = classifySlackError(error);
        if (failure.kind !== 'refused') return { kind: 'failed', failure };
      }
      const target = deps.config.escalationChannel;
      return attempt(target ?? card.channel, async () => {
        const posted = await client.chat.postMessage({ ...(target ? { channel: target } : thread), text: step.text(link), unfurl_links: false });
        return posted.ts ?? null;
      });
    }
  }
}

/**
 * Keeps the assignee's name as customers read it (their full name in Slack), for status answers.
 * A courtesy: when Slack cannot say, the answer names "one of our team" and the card goes on.
 */
async function learnAgentName(deps: SyncDeps, log: Logger, agent: string): Promise<void> {
  try {
    if (!(await agentNameStale(deps.sql, agent))) return;
    const { user } = await deps.client.users.info({ user: agent });
    const name = user?.real_name?.trim() || user?.profile?.display_name?.trim() || user?.name?.trim();
    if (name) await saveAgentName(deps.sql, agent, name);
  } catch (error) {
    log.debug({ agent, err: (error as Error).message }, 'agent name not learned');
  }
}

/** A refusal with one of `codes` means there is nothing left to do: the step is done. */
function refusedAs(performed: Performed, codes: readonly string[]): Performed {
  const moot = performed.kind === 'failed' && performed.failure.kind === 'refused' && codes.includes(performed.failure.code);
  return moot ? { kind: 'done', ts: null } : performed;
}

/**
 * Waits for the channel's next post slot, or says how long to defer the job. Slack's
 * chat.postMessage "generally allows one message per second per channel" (SLACK_POST_RATE):
 * every instance reserves its slots through Postgres, so together they stay under it and a
 * 429 is the exception. https://docs.slack.dev/apis/web-api/rate-limits#special-rate-limits
 */
async function pace(deps: SyncDeps, channel: string): Promise<{ kind: 'wait'; ms: number } | undefined> {
  const slot = await takeSlot(deps.sql, `slack:${channel}`, 1000 / deps.config.postsPerSecond, MAX_PACING_WAIT_MS);
  return slot.ready ? undefined : { kind: 'wait', ms: Math.max(50, slot.deferMs) };
}

async function failed(deps: SyncDeps, log: Logger, card: CardRow, failure: SlackFailure, channel?: string): Promise<RunResult> {
  if (failure.kind === 'rate-limited') {
    // Hold the channel back for every instance, not just this ticket.
    if (channel) await holdBack(deps.sql, `slack:${channel}`, failure.retryAfterMs);
    log.info({ retryInMs: failure.retryAfterMs }, 'slack rate limited; will retry');
    return { kind: 'failed', ms: failure.retryAfterMs, failures: card.failures, reason: failure.reason };
  }
  const failures = card.failures + 1;
  const ms = backoffDelay({ attempt: failures, baseMs: BACKOFF_BASE_MS, maxMs: BACKOFF_MAX_MS });
  if (failure.kind === 'refused') log.error({ code: failure.code, failures, retryInMs: ms }, 'slack refused a call; will retry (check the app configuration)');
  else log.warn({ reason: failure.reason, failures, retryInMs: ms }, 'slack call failed; will retry');
  return { kind: 'failed', ms, failures, reason: failure.reason };
}

function digest(card: { text: string; blocks: unknown[] }): string {
  return createHash('sha256').update(JSON.stringify(card)).digest('hex');
}
