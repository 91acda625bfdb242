import { randomUUID } from 'node:crypto';
import type { ChannelName, DeliveryState } from '../channels/contract.ts';
import type { Db } from '../db/index.ts';
import type { Message } from './types.ts';

/**
 * A customer message's platform id met one stored already, from another sender (a sender's own
 * repeats are found first, under their lock): the transaction is rolled back and the first one
 * reported.
 */
export class RepeatedPlatformId extends Error {}

/** The message stored under a platform id, with its ticket number: how a repeat is recognised. */
export async function findByExternalId(db: Db, channel: ChannelName, externalId: string): Promise<{ id: string; number: number } | undefined> {
  const [row] = await db<{ id: string; number: number }[]>`
    select m.id, t.number from messages m join tickets t on t.id = m.ticket_id
    where m.channel = ${channel} and m.external_id = ${externalId}`;
  return row;
}

export type NewMessage = Pick<Message, 'ticketId' | 'channel' | 'direction' | 'author' | 'text' | 'attachments' | 'externalId'> &
  Partial<Pick<Message, 'id' | 'slackTs' | 'delivery' | 'template' | 'original'>> & { at: Date; onceKey?: string };

/**
 * Inserts a message; a repeat of (channel, external id) inserts nothing and returns undefined.
 */
export async function insertMessage(db: Db, m: NewMessage): Promise<Message | undefined> {
  const [row] = await db<Message[]>`${insertStatement(db, m)} returning *`;
  return row;
}

/**
 * `insertMessage` for a message whose id the caller chose (so what refers to it can be sent
 * before it is stored): true when stored, false when its platform id was stored already.
 */
export async function insertMessageWithId(db: Db, m: NewMessage & { id: string }): Promise<boolean> {
  const rows = await db`${insertStatement(db, m)} returning 1`;
  return rows.length > 0;
}

function insertStatement(db: Db, m: NewMessage) {
  // The id is chosen here (a random UUID, as the column's default would) unless the caller did.
  return db`
    insert into messages (id, ticket_id, channel, direction, author, text, attachments, original, external_id, slack_ts, delivery, template, once_key, created_at)
    values (${m.id ?? randomUUID()}, ${m.ticketId}, ${m.channel}, ${m.direction}, ${m.author}, ${m.text}, ${db.json(m.attachments as never)},
            ${m.original ? db.json(m.original as never) : null}, ${m.externalId}, ${m.slackTs ?? null}, ${m.delivery ?? null}, ${m.template ?? false}, ${m.onceKey ?? null}, ${m.at})
    on conflict (channel, external_id) do nothing`;
}

export async function findMessage(db: Db, id: string): Promise<Message | undefined> {
  const [row] = await db<Message[]>`select * from messages where id = ${id}`;
  return row;
}

/** The reply already stored under a surface's once-key (migration 025), if any. */
export async function findMessageByOnceKey(db: Db, onceKey: string): Promise<Message | undefined> {
  const [row] = await db<Message[]>`select * from messages where once_key = ${onceKey}`;
  return row;
}

export async function findMessageBySlackTs(db: Db, slackTs: string): Promise<Message | undefined> {
  const [row] = await db<Message[]>`select * from messages where slack_ts = ${slackTs}`;
  return row;
}

/** A ticket's messages in arrival order, notes included. */
export async function listMessages(db: Db, ticketId: number): Promise<Message[]> {
  return db<Message[]>`select * from messages where ticket_id = ${ticketId} order by seq`;
}

/**
 * Takes the ticket's oldest reply not yet handed to the platform for one send attempt, unless
 * another worker holds it. Only the oldest: replies leave in the order they were written.
 * (`queued` with an external id is the platform's own queue, e.g. Twilio's: already sent by us.)
 */
export async function claimNextOutbound(db: Db, ticketId: number, now: Date, holdMs: number): Promise<Message | 'held' | undefined> {
  const [head] = await db<Message[]>`
    select * from messages where ticket_id = ${ticketId} and delivery = 'queued' and external_id is null
    order by seq limit 1 for update`;
  if (!head) return undefined;
  if (head.claimedUntil && head.claimedUntil > now) return 'held';
  const [row] = await db<Message[]>`
    update messages set claimed_until = ${new Date(now.getTime() + holdMs)}, attempts = attempts + 1
    where id = ${head.id} returning *`;
  return row;
}

/**
 * Notes, just before a send leaves, that from now until an answer settles it the platform may
 * have the message without our knowing; an earlier unsettled send keeps its earlier time.
 */
export async function markSending(db: Db, id: string, at: Date): Promise<void> {
  await db`update messages set unsure_since = coalesce(unsure_since, ${at}) where id = ${id} and delivery = 'queued' and external_id is null`;
}

/** Records a successful send: the platform's id, `sent` (or what it reported), the time. */
export async function markSent(db: Db, id: string, externalId: string, state: DeliveryState, at: Date): Promise<Message | undefined> {
  const [row] = await db<Message[]>`
    update messages set external_id = ${externalId}, delivery = ${state}, sent_at = ${at}, claimed_until = null, unsure_since = null
    where id = ${id} and delivery = 'queued' and external_id is null returning *`;
  return row;
}

/**
 * Gives a message back to the queue after a retryable failure, noting why. `unsure`: the send
 * got no answer (it may have arrived), so the mark `markSending` set stays; otherwise the
 * platform's answer settled it (nothing was taken) and the mark goes.
 */
export async function releaseForRetry(db: Db, id: string, reason: string, code: string | null, retryAt: Date, unsure: boolean): Promise<void> {
  await db`
    update messages set claimed_until = ${retryAt}, delivery_reason = ${reason}, delivery_code = ${code},
      unsure_since = case when ${unsure}::boolean then unsure_since end
    where id = ${id} and delivery = 'queued' and external_id is null`;
}

/**
 * Puts a claimed message back until `until` without counting the claim as an attempt (pacing,
 * before a send; or a 429, which settles a send as not taken: `refused`).
 */
export async function deferClaim(db: Db, id: string, until: Date, refused = false): Promise<void> {
  await db`
    update messages set claimed_until = ${until}, attempts = greatest(attempts - 1, 0),
      unsure_since = case when ${refused}::boolean then null else unsure_since end
    where id = ${id} and delivery = 'queued' and external_id is null`;
}

/** Marks a message failed (or undelivered) with the reason. */
export async function markFailed(db: Db, id: string, state: 'failed' | 'undelivered', reason: string, code: string | null): Promise<Message | undefined> {
  const [row] = await db<Message[]>`
    update messages set delivery = ${state}, delivery_reason = ${reason}, delivery_code = ${code}, claimed_until = null, unsure_since = null
    where id = ${id} returning *`;
  return row;
}

/** Which of these platform ids are recorded on a message of the channel already. */
export async function recordedPlatformIds(db: Db, channel: ChannelName, externalIds: string[]): Promise<Set<string>> {
  if (externalIds.length === 0) return new Set();
  const rows = await db<{ externalId: string }[]>`
    select external_id from messages where channel = ${channel} and external_id = any(${externalIds}::text[])`;
  return new Set(rows.map((r) => r.externalId));
}

/** Applies a platform's delivery report to the message it sent, if the state moves forward. */
export async function applyDeliveryReport(
  db: Db,
  channel: ChannelName,
  externalId: string,
  state: DeliveryState,
  error: { code?: string; reason: string } | undefined,
): Promise<{ before: Message; after: Message } | 'unknown' | undefined> {
  const [before] = await db<Message[]>`
    select * from messages where channel = ${channel} and external_id = ${externalId} and direction = 'outbound' for update`;
  if (!before) return 'unknown';
  if (!advances(before.delivery!, state)) return undefined;
  const [after] = await db<Message[]>`
    update messages set delivery = ${state},
      delivery_code = ${error?.code ?? null},
      delivery_reason = ${error?.reason ?? (state === 'failed' || state === 'undelivered' ? `the platform reported ${state}` : null)}
    where id = ${before.id} returning *`;
  return { before, after: after! };
}

/**
 * Serialises recording a platform id for a sent message with applying reports about it, so a
 * report racing the recording is either applied to the message or held and then picked up.
 */
export async function lockPlatformId(db: Db, channel: ChannelName, externalId: string): Promise<void> {
  await db`select pg_advisory_xact_lock(hashtextextended(${`platform-id:${channel}:${externalId}`}, 0))`;
}

/** Keeps a report for a platform id we have not recorded yet, to apply when we do. */
export async function holdEarlyReport(db: Db, channel: ChannelName, externalId: string, state: DeliveryState, error: { code?: string; reason: string } | undefined): Promise<void> {
  await db`
    insert into early_delivery_reports (channel, external_id, state, code, reason)
    values (${channel}, ${externalId}, ${state}, ${error?.code ?? null}, ${error?.reason ?? null})
    on conflict do nothing`;
}

/** Takes the reports held for a platform id, oldest state first; forgets ones a day old. */
export async function takeEarlyReports(db: Db, channel: ChannelName, externalId: string) {
  await db`delete from early_delivery_reports where received_at < now() - interval '1 day'`;
  const rows = await db<{ state: DeliveryState; code: string | null; reason: string | null }[]>`
    delete from early_delivery_reports where channel = ${channel} and external_id = ${externalId}
    returning state, code, reason`;
  return rows.sort((a, b) => RANK[a.state] - RANK[b.state]);
}

const RANK: Record<DeliveryState, number> = { queued: 0, sent: 1, delivered: 2, read: 3, undelivered: 2, failed: 2 };

/**
 * Reports arrive out of order (a `sent` after `delivered`); a state only moves forward. A
 * failure can follow `sent` but not a confirmed delivery.
 */
export function advances(from: DeliveryState, to: DeliveryState): boolean {
  if (from === to) return false;
  if (from === 'failed' || from === 'undelivered') return false;
  return RANK[to] > RANK[from];
}

/** The customer message stored under a platform id, locked, for an edit or deletion of it. */
export async function findInboundForRevision(db: Db, channel: ChannelName, externalId: string): Promise<{ id: string; ticketId: number; number: number } | undefined> {
  const [row] = await db<{ id: string; ticketId: number; number: number }[]>`
    select m.id, m.ticket_id, t.number from messages m join tickets t on t.id = m.ticket_id
    where m.channel = ${channel} and m.external_id = ${externalId} and m.direction = 'inbound'
    for update of m`;
  return row;
}

/** Keeps one revision of a message; false when that revision is already kept (a repeat). */
export async function insertRevision(
  db: Db,
  r: { messageId: string; kind: 'edit' | 'deletion'; revision: string; text: string | null; at: Date },
): Promise<boolean> {
  const rows = await db`
    insert into message_revisions (message_id, kind, revision, text, at)
    values (${r.messageId}, ${r.kind}, ${r.revision}, ${r.text}, ${r.at})
    on conflict (message_id, kind, revision) do nothing returning id`;
  return rows.length === 1;
}

/** The message's latest text, unless a later edit is already recorded (edits can arrive out of order). */
export async function markEdited(db: Db, id: string, text: string, at: Date): Promise<void> {
  await db`update messages set edited_text = ${text}, edited_at = ${at} where id = ${id} and (edited_at is null or edited_at <= ${at})`;
}

export async function markDeleted(db: Db, id: string, at: Date): Promise<void> {
  await db`update messages set deleted_at = ${at} where id = ${id} and deleted_at is null`;
}

/**
 * The ticket's platform ids on its channel, oldest first, and the customer's latest one: what
 * a reply needs to thread (email In-Reply-To and References).
 */
export async function threadingIds(db: Db, ticketId: number, limit: number): Promise<{ references: string[]; inReplyTo: string | undefined }> {
  const rows = await db<{ externalId: string; direction: string }[]>`
    select external_id, direction from (
      select external_id, direction, seq from messages
      where ticket_id = ${ticketId} and external_id is not null and direction in ('inbound', 'outbound')
      order by seq desc limit ${limit}) recent
    order by seq`;
  const inbound = rows.filter((r) => r.direction === 'inbound');
  return { references: rows.map((r) => r.externalId), inReplyTo: inbound.at(-1)?.externalId };
}
