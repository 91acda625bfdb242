import type { Db } from '../db/index.ts';
import type { StoredFile } from '../files/store.ts';

export type HeldReason = 'assigned' | 'recent';
export type HeldOutcome = 'sent' | 'note' | 'discarded';

/** An agent's reply waiting for its author's choice (collision warning), with its ticket's number. */
export interface HeldReply {
  id: number;
  ticketId: number;
  number: number;
  author: string;
  text: string;
  attachments: StoredFile[];
  slackTs: string;
  slackChannel: string;
  slackThreadTs: string;
  reason: HeldReason;
  otherAgent: string;
  heldAt: Date;
  outcome: HeldOutcome | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  messageId: string | null;
}

export type NewHeldReply = Omit<HeldReply, 'id' | 'number' | 'outcome' | 'decidedBy' | 'decidedAt' | 'messageId'>;

/** Holds a reply; the same Slack message held before inserts nothing and returns undefined. */
export async function insertHeldReply(db: Db, h: NewHeldReply): Promise<Omit<HeldReply, 'number'> | undefined> {
  const [row] = await db<Omit<HeldReply, 'number'>[]>`
    insert into held_replies (ticket_id, author, text, attachments, slack_ts, slack_channel, slack_thread_ts, reason, other_agent, held_at)
    values (${h.ticketId}, ${h.author}, ${h.text}, ${db.json(h.attachments as never)}, ${h.slackTs}, ${h.slackChannel}, ${h.slackThreadTs},
            ${h.reason}, ${h.otherAgent}, ${h.heldAt})
    on conflict (slack_ts) do nothing
    returning *`;
  return row;
}

/** The reply held for this Slack message, if one was. */
export async function findHeldBySlackTs(db: Db, slackTs: string): Promise<HeldReply | undefined> {
  const [row] = await db<HeldReply[]>`
    select h.*, t.number from held_replies h join tickets t on t.id = h.ticket_id where h.slack_ts = ${slackTs}`;
  return row;
}

/** A held reply, locked for the rest of the transaction: its choice and its timeout take turns. */
export async function lockHeldReply(db: Db, id: number): Promise<HeldReply | undefined> {
  const [row] = await db<HeldReply[]>`
    select h.*, t.number from held_replies h join tickets t on t.id = h.ticket_id where h.id = ${id} for update of h`;
  return row;
}

/** Records what became of a held reply. */
export async function markHeldDecided(db: Db, id: number, outcome: HeldOutcome, by: string, at: Date, messageId: string | null): Promise<void> {
  await db`
    update held_replies set outcome = ${outcome}, decided_by = ${by}, decided_at = ${at}, message_id = ${messageId}
    where id = ${id} and outcome is null`;
}

/** The latest reply to the customer since `since` by an agent other than `author`. */
export async function lastReplyByAnotherAgent(db: Db, ticketId: number, author: string, since: Date): Promise<{ author: string; createdAt: Date } | undefined> {
  const [row] = await db<{ author: string; createdAt: Date }[]>`
    select author, created_at from messages
    where ticket_id = ${ticketId} and direction = 'outbound' and author is not null and author <> ${author} and created_at > ${since}
    order by created_at desc limit 1`;
  return row;
}
