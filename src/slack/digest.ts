/**
 * The weekly digest: last week's figures (Monday to Monday in REPORTS_TIMEZONE) against the week
 * before, posted to DIGEST_CHANNEL. pg-boss's cron schedule sends one job per occurrence however
 * many instances run it (one instance claims each cron pass, and the job it sends carries a
 * singleton key per occurrence); a job can still run twice (a retry after a crash, a schedule
 * changed mid-week), so the post is made once per ISO week by claiming the week's row first.
 */
import type { webApi } from '@slack/bolt';
import type { Db, Sql } from '../db/index.ts';
import { holdBack, takeSlot } from '../jobs/pacing.ts';
import type { Logger } from '../log.ts';
import { lastWeek, type Reports } from '../reports/index.ts';
import type { SlackConfig } from './config.ts';
import { classifySlackError } from './slack-api.ts';
import { statsBlocks, statsText } from './stats.ts';

export interface DigestDeps {
  sql: Sql;
  client: webApi.WebClient;
  reports: Reports;
  config: SlackConfig;
  logger: Logger;
  channel: string;
}

// Long enough to compute the figures and post; a run that died holding the week gives it up then.
const CLAIM_SECONDS = 120;
// Longest the job waits in hand for the channel's post slot (shared with ticket threads).
const MAX_PACING_WAIT_MS = 5_000;

/** Posts last week's digest unless it has been posted (or is being posted) already. */
export async function postWeeklyDigest(deps: DigestDeps): Promise<'posted' | 'already'> {
  const { range, week } = lastWeek(deps.reports.now(), deps.reports.config.timezone);
  if (!(await claimDigestWeek(deps.sql, week, deps.channel, CLAIM_SECONDS))) {
    deps.logger.info({ week }, 'weekly digest already posted or being posted');
    return 'already';
  }
  try {
    const { current, previous } = await deps.reports.compare(range);
    const view = { title: `Weekly digest · ${week}`, comparedWith: 'the week before', current, previous };
    const key = `slack:${deps.channel}`;
    const slot = await takeSlot(deps.sql, key, 1000 / deps.config.postsPerSecond, MAX_PACING_WAIT_MS);
    if (!slot.ready) throw new Error(`slack: no post slot in ${deps.channel} within ${MAX_PACING_WAIT_MS} ms; retrying`);
    let ts: string | undefined;
    try {
      ts = (await deps.client.chat.postMessage({ channel: deps.channel, text: statsText(view), blocks: statsBlocks(view), unfurl_links: false })).ts;
    } catch (error) {
      const failure = classifySlackError(error);
      if (failure.kind === 'rate-limited') await holdBack(deps.sql, key, failure.retryAfterMs);
      throw new Error(`slack: could not post the weekly digest: ${failure.reason}`, { cause: error });
    }
    await markDigestPosted(deps.sql, week, ts ?? null);
    deps.logger.info({ week, channel: deps.channel }, 'weekly digest posted');
    return 'posted';
  } catch (error) {
    await releaseDigestWeek(deps.sql, week);
    throw error;
  }
}

/**
 * Takes the week for `seconds`: true for the one run that may post it. A week already posted,
 * or held by another run whose claim has not run out, is refused.
 */
export async function claimDigestWeek(db: Db, week: string, channel: string, seconds: number): Promise<boolean> {
  const rows = await db`
    insert into report_digests as d (week, channel, claimed_until) values (${week}, ${channel}, now() + make_interval(secs => ${seconds}))
    on conflict (week) do update set claimed_until = excluded.claimed_until, channel = excluded.channel
      where d.posted_at is null and (d.claimed_until is null or d.claimed_until < now())
    returning week`;
  return rows.length > 0;
}

async function markDigestPosted(db: Db, week: string, ts: string | null): Promise<void> {
  await db`update report_digests set posted_at = now(), slack_ts = ${ts}, claimed_until = null where week = ${week}`;
}

async function releaseDigestWeek(db: Db, week: string): Promise<void> {
  await db`update report_digests set claimed_until = null where week = ${week} and posted_at is null`;
}
