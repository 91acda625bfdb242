import type { webApi } from '@slack/bolt';
import type { NoticeChange, NoticeObserver } from '../channels/connections.ts';
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

/** A notice job: post it, show its new QR code, or post its recovery. */
export interface NoticeJob {
  noticeId: string;
  change: NoticeChange;
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
      ? await paced(() => postQr(deps, channel, notice, text))
      : await paced(async () => (await deps.client.chat.postMessage({ channel, text, unfurl_links: false, unfurl_media: false })).ts ?? '');
    if (ts === undefined) return;
    if (ts) await recordNoticePosted(deps.sql, notice.id, channel, ts);
    else log.warn('slack: the notice was posted, but Slack did not say where; its recovery will go to the channel');
    log.info({ slackChannel: channel }, `slack: told operators that ${notice.module} needs attention`);
    return;
  }

  if (job.change === 'refreshed') {
    // Not posted yet: the post, when it is made, shows the latest code. Closed: nothing to scan.
    if (!notice.slackTs || !notice.slackChannel || notice.closedAt || !notice.qrPng) return;
    const refreshedAt = notice.qrRefreshedAt ? ` (QR code refreshed ${slackDate(notice.qrRefreshedAt, '{time_secs}')})` : '';
    const updated = await unpaced(deps, job, () => showQr(deps, notice.slackChannel!, notice.slackTs!, notice, `${noticeText(notice)}${refreshedAt}`));
    if (updated !== undefined) log.info({ slackChannel: notice.slackChannel }, `slack: showed ${notice.module}'s new QR code`);
    return;
  }

  if (notice.recoveryPostedAt) return;
  if (notice.kind === 'login-required' && notice.qrPng && notice.slackTs && notice.slackChannel) {
    // The QR post itself says it is done: nothing left there to scan.
    const done = await unpaced(deps, job, () =>
      deps.client.chat.update({ channel: notice.slackChannel!, ts: notice.slackTs!, text: linkedText(notice), blocks: [] }),
    );
    if (done === undefined) return;
    await recordRecoveryPosted(deps.sql, notice.id);
    log.info({ slackChannel: notice.slackChannel }, `slack: told operators that ${notice.module} is linked`);
    return;
  }
  const threaded = Boolean(notice.slackTs);
  const posted = await paced(async () =>
    (await deps.client.chat.postMessage({ channel, ...(threaded ? { thread_ts: notice.slackTs! } : {}), text: recoveryText(notice, threaded), unfurl_links: false })).ts ?? '',
  );
  if (posted === undefined) return;
  await recordRecoveryPosted(deps.sql, notice.id);
  log.info({ slackChannel: channel }, `slack: told operators that ${notice.module} is back`);
}

/** ":white_check_mark: whatsapp-web is back: linked as +15550009999", in place of the QR code. */
export function linkedText(notice: Pick<NoticeRow, 'module' | 'resolution'>): string {
  return `:white_check_mark: ${escapeMrkdwn(notice.module)} is back: ${escapeMrkdwn(notice.resolution?.trim() || 'connected')}`;
}

/**
 * Posts the notice with its QR code as an image in the message: the PNG is uploaded without
 * sharing it (so it is not a message of its own) and shown by an image block, which a later
 * code replaces in the same post. https://docs.slack.dev/reference/block-kit/blocks/image-block
 */
async function postQr(deps: NoticeDeps, channel: string, notice: NoticeRow, text: string): Promise<string> {
  const file = await uploadQr(deps, notice);
  const posted = await deps.client.chat.postMessage({ channel, text, blocks: qrBlocks(notice, text, file), unfurl_links: false, unfurl_media: false });
  return posted.ts ?? '';
}

/** Shows the notice's current QR code in its post. */
async function showQr(deps: NoticeDeps, channel: string, ts: string, notice: NoticeRow, text: string): Promise<void> {
  const file = await uploadQr(deps, notice);
  await deps.client.chat.update({ channel, ts, text, blocks: qrBlocks(notice, text, file) });
}

async function uploadQr(deps: NoticeDeps, notice: NoticeRow): Promise<string> {
  const uploaded = await deps.client.filesUploadV2({
    file_uploads: [{ file: Buffer.from(notice.qrPng!), filename: `${notice.module}-login-qr.png`, title: `${notice.module} login QR code` }],
  });
  const id = uploaded.files[0]?.files?.[0]?.id;
  if (!id) throw new Error('slack: the QR code upload returned no file id');
  return id;
}

function qrBlocks(notice: NoticeRow, text: string, fileId: string): webApi.KnownBlock[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    { type: 'image', slack_file: { id: fileId }, alt_text: `${notice.module} login QR code` },
  ];
}

/**
 * A Slack call outside the channel's post pace (chat.update and uploads have their own tiers):
 * undefined when Slack answered 429, and the job was put off past Retry-After.
 */
async function unpaced<T>(deps: NoticeDeps, job: NoticeJob, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const failure = classifySlackError(error);
    if (failure.kind !== 'rate-limited') throw new Error(`slack: could not update the operator notice: ${failure.reason}`, { cause: error });
    await putOff(deps, job, failure.retryAfterMs);
    return undefined;
  }
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
