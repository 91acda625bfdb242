import type { webApi } from '@slack/bolt';
import type { NoticeObserver } from '../channels/connections.ts';
import { findNotice, recordNoticePosted, recordRecoveryPosted, type NoticeKind, type NoticeRow } from '../channels/connections-sql.ts';
import type { Sql } from '../db/index.ts';
import { QUEUES, type Jobs } from '../jobs/index.ts';
import { holdBack, takeSlot } from '../jobs/pacing.ts';
import type { Logger } from '../log.ts';
import type { SlackConfig } from './config.ts';
import { classifySlackError } from './slack-api.ts';
import { escapeMrkdwn, slackDate } from './text.ts';

/**
 * Operator notices in Slack: when a channel's connection needs a person (a QR code to scan, a
 * lost session, a refused token, a reconnect that does not end), one post in the escalation
 * channel (the triage channel without one), and one follow-up in its thread once it is back.
 */

/** A notice job: post it, or post its recovery. */
export interface NoticeJob {
  noticeId: string;
  change: 'opened' | 'closed';
}

export interface NoticeDeps {
  sql: Sql;
  jobs: Jobs;
  client: webApi.WebClient;
  config: SlackConfig;
  logger: Logger;
}

const KIND_WORDS: Record<NoticeKind, string> = {
  'login-required': 'scan the QR code to link the device',
  'session-lost': 'its session was lost and it must be linked again',
  'token-refused': 'the platform refused its token (check the configured token)',
  reconnecting: 'its connection dropped and it is reconnecting',
};

// Longest a job waits in hand for the channel's post slot; beyond it the job is put off.
const MAX_PACING_WAIT_MS = 1_500;
// Slack shares an uploaded file into its channel just after the upload returns, and only the
// share knows the message's ts (the recovery is threaded under it): asked this often, this far apart.
const SHARE_LOOKUPS = 6;
const SHARE_LOOKUP_INTERVAL_MS = 500;

/** ":warning: whatsapp-web needs attention: scan the QR code to link the device — …", with a text QR code when there is no image. */
export function noticeText(notice: Pick<NoticeRow, 'module' | 'kind' | 'detail' | 'qrText' | 'qrPng'>): string {
  const words = KIND_WORDS[notice.kind];
  const detail = notice.detail.trim();
  const head = `:warning: ${escapeMrkdwn(notice.module)} needs attention: ${words}${detail && detail !== words ? ` — ${escapeMrkdwn(detail)}` : ''}`;
  return notice.qrText && !notice.qrPng ? `${head}\n\`\`\`${escapeMrkdwn(notice.qrText)}\`\`\`` : head;
}

/** The follow-up once the connection is back; outside the notice's thread it says what it was. */
export function recoveryText(notice: Pick<NoticeRow, 'module' | 'kind' | 'openedAt'>, threaded: boolean): string {
  const head = `:white_check_mark: ${escapeMrkdwn(notice.module)} is back: connected`;
  return threaded ? head : `${head} (it needed attention since ${slackDate(notice.openedAt)}: ${KIND_WORDS[notice.kind]})`;
}

/** Queues the notice's post (or its recovery) inside the transaction that opened (or closed) it. */
export function slackNoticeObserver(jobs: Jobs): NoticeObserver {
  return async (tx, notice, change) => {
    await jobs.send(tx, QUEUES.operatorNotice, { noticeId: notice.id, change } satisfies NoticeJob);
  };
}

/**
 * The notice job. It re-reads the notice, so a repeat posts nothing twice: a notice already
 * posted, or closed before it could be, is not posted; a recovery already posted is not
 * either. Pacing and a 429 put the job off to when Slack will take it; another Slack failure
 * throws, and pg-boss retries the job with backoff.
 */
export async function runNoticeJob(deps: NoticeDeps, job: NoticeJob): Promise<void> {
  const notice = await findNotice(deps.sql, job.noticeId);
  if (!notice) return;
  const log = deps.logger.child({ notice: notice.id, channelModule: notice.module, kind: notice.kind });
  const channel = notice.slackChannel ?? deps.config.escalationChannel ?? deps.config.triageChannel;
  if (!channel) {
    log.warn(`slack: cannot tell operators that ${notice.module} ${job.change === 'opened' ? 'needs attention' : 'is back'}: set SLACK_ESCALATION_CHANNEL or SLACK_TRIAGE_CHANNEL`);
    return;
  }
  const paced = <T>(call: () => Promise<T>) => pacedCall(deps, job, channel, call);

  if (job.change === 'opened') {
    // Closed before it was told: the recovery says what it was.
    if (notice.slackTs || notice.closedAt) return;
    const text = noticeText(notice);
    const ts = notice.qrPng
      ? await paced(() => uploadQr(deps, channel, notice, text))
      : await paced(async () => (await deps.client.chat.postMessage({ channel, text, unfurl_links: false, unfurl_media: false })).ts ?? '');
    if (ts === undefined) return;
    if (ts) await recordNoticePosted(deps.sql, notice.id, channel, ts);
    else log.warn('slack: the notice was posted, but Slack did not say where; its recovery will go to the channel');
    log.info({ slackChannel: channel }, `slack: told operators that ${notice.module} needs attention`);
    return;
  }

  if (notice.recoveryPostedAt) return;
  const threaded = Boolean(notice.slackTs);
  const posted = await paced(async () =>
    (await deps.client.chat.postMessage({ channel, ...(threaded ? { thread_ts: notice.slackTs! } : {}), text: recoveryText(notice, threaded), unfurl_links: false })).ts ?? '',
  );
  if (posted === undefined) return;
  await recordRecoveryPosted(deps.sql, notice.id);
  log.info({ slackChannel: channel }, `slack: told operators that ${notice.module} is back`);
}

/**
 * Uploads the QR image into the channel with the notice as its comment: one message an
 * operator can scan from. Returns its ts, from the file's share ('' when Slack has not shared
 * it yet), since the upload itself does not answer with it.
 * https://docs.slack.dev/reference/methods/files.completeUploadExternal
 */
async function uploadQr(deps: NoticeDeps, channel: string, notice: NoticeRow, text: string): Promise<string> {
  const uploaded = await deps.client.filesUploadV2({
    channel_id: channel,
    initial_comment: text,
    file_uploads: [{ file: Buffer.from(notice.qrPng!), filename: `${notice.module}-login-qr.png`, title: `${notice.module} login QR code` }],
  });
  const fileId = uploaded.files[0]?.files?.[0]?.id;
  if (!fileId) return '';
  for (let lookup = 0; lookup < SHARE_LOOKUPS; lookup++) {
    if (lookup > 0) await new Promise((resolve) => setTimeout(resolve, SHARE_LOOKUP_INTERVAL_MS));
    try {
      const { file } = await deps.client.files.info({ file: fileId });
      const ts = file?.shares?.public?.[channel]?.[0]?.ts ?? file?.shares?.private?.[channel]?.[0]?.ts;
      if (ts) return ts;
    } catch (error) {
      // Posted already: a failed look-up must not post it again.
      deps.logger.debug({ err: error, file: fileId }, 'slack: could not look up where the QR code was shared');
    }
  }
  return '';
}

/**
 * Makes one Slack post into `channel` at the channel's pace (shared with the ticket threads).
 * Undefined when the job was put off: no slot soon, or Slack answered 429 (the channel is held
 * back for every instance, and the job runs again after Retry-After).
 */
async function pacedCall<T>(deps: NoticeDeps, job: NoticeJob, channel: string, call: () => Promise<T>): Promise<T | undefined> {
  const key = `slack:${channel}`;
  const slot = await takeSlot(deps.sql, key, 1000 / deps.config.postsPerSecond, MAX_PACING_WAIT_MS);
  if (!slot.ready) {
    await putOff(deps, job, slot.deferMs);
    return undefined;
  }
  try {
    return await call();
  } catch (error) {
    const failure = classifySlackError(error);
    if (failure.kind !== 'rate-limited') throw new Error(`slack: could not post the operator notice: ${failure.reason}`, { cause: error });
    await holdBack(deps.sql, key, failure.retryAfterMs);
    await putOff(deps, job, failure.retryAfterMs);
    return undefined;
  }
}

async function putOff(deps: NoticeDeps, job: NoticeJob, ms: number): Promise<void> {
  await deps.jobs.send(deps.sql, QUEUES.operatorNotice, job, { startAfter: new Date(Date.now() + Math.max(50, ms)) });
}
