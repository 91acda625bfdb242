import type { webApi } from '@slack/bolt';
import type { Sql } from '../db/index.ts';
import { QUEUES, type Jobs } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../shared/clock.ts';
import type { HeldReply, Tickets } from '../tickets/index.ts';
import type { SlackConfig } from './config.ts';
import { downloadSlackFiles, type SlackFileRef } from './files.ts';
import { heldQuestion } from './held-prompt.ts';
import { publishHome } from './home.ts';
import { checkSlackEvent } from './payloads.ts';
import { errorLine } from './responder.ts';
import { findAuthoredMessage, findTicketByThread, forgetOldEvents, queueItems, rememberEvent } from './slack-sql.ts';
import { mrkdwnToPlain } from './text.ts';
import { scheduleSync } from './thread-sync.ts';

type Json = Record<string, unknown>;

/** A message event as Slack sends it (the fields we read). https://docs.slack.dev/reference/events/message */
interface MessageEvent {
  type: 'message';
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFileRef[];
  message?: MessageEvent;
  previous_message?: MessageEvent;
}

// Subtypes that are a person writing in a thread; everything else (joins, bot posts, our own
// echoes) is not a reply. https://docs.slack.dev/reference/events/message#subtypes
const AGENT_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/**
 * Takes an Events API callback's event (its shape checked by readSlackDelivery): stores its
 * event_id and queues its job in one transaction, and only then is it acknowledged. A retry of
 * the same event_id stores nothing. Events we never act on are acknowledged without storing
 * anything; one we act on is checked for the fields its job reads first.
 */
export async function acceptEvent(deps: { sql: Sql; jobs: Jobs }, eventId: string, event: Json): Promise<void> {
  if (!wanted(event)) return;
  const checked = checkSlackEvent(event);
  await deps.sql.begin(async (tx) => {
    if (!(await rememberEvent(tx, eventId))) return;
    await deps.jobs.send(tx, QUEUES.slackEvent, { eventId, event: checked });
  });
}

function wanted(event: Json): boolean {
  if (event.type === 'app_home_opened') return event.tab === 'home';
  if (event.type !== 'message') return false;
  const message = event as unknown as MessageEvent;
  if (message.subtype === 'message_changed') return isThreadReplyByPerson(message.message);
  if (message.subtype === 'message_deleted') return isThreadReplyByPerson(message.previous_message);
  return AGENT_SUBTYPES.has(message.subtype) && isThreadReplyByPerson(message);
}

/** A person's message inside a thread (not its parent), not a bot's: our own posts echo back as bot messages. */
function isThreadReplyByPerson(message: MessageEvent | undefined): boolean {
  return !!message && !message.bot_id && !!message.user && !!message.thread_ts && message.thread_ts !== message.ts;
}

export interface EventDeps {
  sql: Sql;
  jobs: Jobs;
  tickets: Tickets;
  client: webApi.WebClient;
  config: SlackConfig;
  clock: Clock;
  logger: Logger;
  fetch: typeof fetch;
}

/** The event job: what an agent did in Slack, applied to the ticket. Safe to run twice. */
export async function handleSlackEvent(deps: EventDeps, event: Json): Promise<void> {
  if (Math.random() < 0.01) await forgetOldEvents(deps.sql);
  if (event.type === 'app_home_opened') {
    await publishHome({ ...deps }, String(event.user));
    return;
  }
  const message = event as unknown as MessageEvent;
  if (message.subtype === 'message_changed' && message.message) return agentChanged(deps, { ...message.message, channel: message.channel }, 'edited');
  if (message.subtype === 'message_deleted' && message.previous_message) return agentChanged(deps, { ...message.previous_message, channel: message.channel }, 'deleted');
  return agentWrote(deps, message);
}

/**
 * A person's message in a card's thread: a reply to the customer, or an internal note when
 * it starts with the note prefix. Their files travel with it.
 */
async function agentWrote(deps: EventDeps, message: MessageEvent): Promise<void> {
  const card = await findTicketByThread(deps.sql, message.channel, message.thread_ts!);
  if (!card || !message.user) return;
  if (await findAuthoredMessage(deps.sql, message.ts)) return;
  const raw = (message.text ?? '').trim();
  const prefix = deps.config.notePrefix;
  const isNote = raw.toLowerCase().startsWith(prefix.toLowerCase());
  const text = mrkdwnToPlain(isNote ? raw.slice(prefix.length).trim() : raw);
  const attachments = await downloadSlackFiles(message.files ?? [], { botToken: deps.config.botToken, fetch: deps.fetch, store: deps.tickets.context.files });
  const input = { ticket: card.number, author: message.user, text, attachments, slackTs: message.ts };
  let held: HeldReply | undefined;
  try {
    if (isNote) await deps.tickets.note(input);
    else {
      const result = await deps.tickets.replyOrHold({ ...input, slack: { channel: message.channel, threadTs: message.thread_ts! } });
      if (result.kind === 'held') held = result.held;
    }
  } catch (error) {
    // The same message handled twice at once: the unique Slack ts let one through.
    if ((error as { code?: string }).code === '23505') return;
    const line = errorLine(error, deps.logger, { ticket: card.number });
    const what = isNote ? 'Note not saved' : 'Not sent to the customer';
    await deps.client.chat
      .postEphemeral({ channel: message.channel, user: message.user, thread_ts: message.thread_ts!, text: `${what}: ${line}` })
      .catch((e: unknown) => deps.logger.warn({ err: e }, 'could not tell the agent in Slack'));
  }
  // Asked in the thread, only them; a failure throws, and the job's retry finds the reply still
  // held and asks again.
  if (held) await deps.client.chat.postEphemeral({ channel: held.slackChannel, user: held.author, thread_ts: held.slackThreadTs, ...heldQuestion(held) });
}

/**
 * An agent edited or deleted a reply in the thread. What reached the customer cannot be
 * taken back: the thread says so, beside the message.
 */
async function agentChanged(deps: EventDeps, message: MessageEvent, change: 'edited' | 'deleted'): Promise<void> {
  const stored = await findAuthoredMessage(deps.sql, message.ts);
  if (!stored || stored.direction !== 'outbound') return;
  const still = stored.delivery === 'queued' ? 'will still receive the original' : stored.delivery === 'failed' || stored.delivery === 'undelivered' ? 'never received it' : 'still has the original';
  const text = `:warning: <@${message.user}> ${change} a reply in Slack only: the customer ${still}.`;
  await deps.sql.begin(async (tx) => {
    await queueItems(tx, [{ ticketId: stored.ticketId, kind: 'note', data: { text } }]);
    await scheduleSync(deps.jobs, tx, stored.ticketId);
  });
}
