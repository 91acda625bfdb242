/**
 * The SQL of what Switchboard says to customers by itself (migration 020): automatic messages,
 * the satisfaction score, and the reads a status answer needs.
 */
import type { ChannelName, OutboundChoice } from '../channels/contract.ts';
import type { Db } from '../db/index.ts';
import type { NewMessage } from './messages-sql.ts';
import type { AutomaticKind, Message, Ticket } from './types.ts';
import type { Status } from './lifecycle.ts';

export type NewAutomaticMessage = NewMessage & { automatic: AutomaticKind; choices?: OutboundChoice[] | null; conversation?: string | null };

/**
 * Inserts an automatic message; undefined when a unique key refuses it: a second acknowledgement
 * or survey for the ticket, or a customer message whose platform id is already stored.
 */
export async function insertAutomaticMessage(db: Db, m: NewAutomaticMessage): Promise<Message | undefined> {
  const [row] = await db<Message[]>`
    insert into messages (ticket_id, channel, direction, author, text, attachments, external_id, delivery, automatic, choices, conversation, created_at)
    values (${m.ticketId}, ${m.channel}, ${m.direction}, ${m.author}, ${m.text}, ${db.json(m.attachments as never)}, ${m.externalId},
            ${m.delivery ?? null}, ${m.automatic}, ${m.choices ? db.json(m.choices as never) : null}, ${m.conversation ?? null}, ${m.at})
    on conflict do nothing
    returning *`;
  return row;
}

/** The customer wrote on the ticket without changing its state (a status question, a score). */
export async function touchLastInbound(db: Db, ticketId: number, at: Date): Promise<void> {
  await db`update tickets set last_inbound_at = greatest(last_inbound_at, ${at}) where id = ${ticketId}`;
}

/** Whether the ticket's survey went out (or is queued) and no score has come yet. */
export async function awaitsScore(db: Db, ticketId: number): Promise<boolean> {
  const [row] = await db<{ awaits: boolean }[]>`
    select t.csat_score is null and exists (
      select 1 from messages m where m.ticket_id = t.id and m.automatic = 'survey' and m.direction = 'outbound') as awaits
    from tickets t where t.id = ${ticketId}`;
  return row?.awaits ?? false;
}

/**
 * The contact's latest closed ticket on this conversation whose survey, sent after `since`, has
 * no score yet, locked: a score written after the ticket closed still answers it.
 */
export async function findClosedAwaitingScore(db: Db, contactId: number, channel: ChannelName, conversation: string, since: Date): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`
    select t.* from tickets t
    where t.contact_id = ${contactId} and t.channel = ${channel} and t.conversation = ${conversation}
      and t.status = 'closed' and t.csat_score is null
      and exists (select 1 from messages m where m.ticket_id = t.id and m.automatic = 'survey' and m.direction = 'outbound' and m.created_at > ${since})
    order by t.created_at desc, t.id desc limit 1
    for update of t`;
  return row;
}

/** Whether the ticket has a survey at all (queued, sent or withdrawn). */
export async function hasSurvey(db: Db, ticketId: number): Promise<boolean> {
  const rows = await db`select 1 from messages where ticket_id = ${ticketId} and automatic = 'survey' and direction = 'outbound' limit 1`;
  return rows.length > 0;
}

/** Records the score and comment unless the ticket has one already; undefined when it had. */
export async function recordScore(db: Db, ticketId: number, score: number, comment: string | null, at: Date): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`
    update tickets set csat_score = ${score}, csat_comment = ${comment}, updated_at = ${at}
    where id = ${ticketId} and csat_score is null returning *`;
  return row;
}

/**
 * Why a queued survey must not go out any more (the ticket was closed by a merge, or reopened);
 * undefined to send it. A merge closes the ticket merged away with a status event whose reason
 * is `merged` (the ticket it went into may carry a `merged` event too, and is surveyed as usual).
 */
export async function surveyWithdrawal(db: Db, ticketId: number): Promise<string | undefined> {
  const [row] = await db<{ status: Status; closedBy: string | null }[]>`
    select t.status, (
      select e.data->>'reason' from events e where e.ticket_id = t.id and e.kind = 'status' order by e.id desc limit 1
    ) as closed_by
    from tickets t where t.id = ${ticketId}`;
  if (!row) return 'the ticket is gone';
  if (row.status === 'closed' && row.closedBy === 'merged') return 'the ticket was merged into another, where its conversation continues';
  if (row.status !== 'resolved' && row.status !== 'closed') return `the ticket is ${row.status} again`;
  return undefined;
}

/** The sender's latest ticket on this channel, in any conversation and state, locked. */
export async function findLatestTicketOfIdentity(db: Db, identityId: number, channel: ChannelName): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`
    select * from tickets where identity_id = ${identityId} and channel = ${channel}
    order by created_at desc, id desc limit 1 for update`;
  return row;
}

/** One of the contact's tickets as a status answer lists it. */
export interface StatusLine {
  number: number;
  subject: string | null;
  status: Exclude<Status, 'closed'>;
  /** The assignee's name as customers read it; null when unassigned, or not known yet. */
  agent: string | null;
  assigned: boolean;
}

/** The contact's tickets that are not closed, oldest first, with who has each. */
export async function statusLines(db: Db, contactId: number, limit: number): Promise<StatusLine[]> {
  return db<StatusLine[]>`
    select t.number, t.subject, t.status, p.name as agent, t.assignee is not null as assigned
    from tickets t left join agent_profiles p on p.agent = t.assignee
    where t.contact_id = ${contactId} and t.status <> 'closed'
    order by t.created_at, t.id limit ${limit}`;
}

/** The identity's language and whether it opted out, for what is said to it by itself. */
export async function identityVoice(db: Db, identityId: number): Promise<{ language: string | null; optedOut: boolean }> {
  const [row] = await db<{ language: string | null; optedOut: boolean }[]>`
    select language, opted_out_at is not null as opted_out from identities where id = ${identityId}`;
  return row ?? { language: null, optedOut: false };
}

/** A surveyed ticket as the survey link's page shows it; undefined when it has no survey. */
export async function findSurveyed(db: Db, number: number): Promise<{ number: number; subject: string | null; rated: boolean; language: string | null } | undefined> {
  const [row] = await db<{ number: number; subject: string | null; rated: boolean; language: string | null }[]>`
    select t.number, t.subject, t.csat_score is not null as rated, i.language
    from tickets t join identities i on i.id = t.identity_id
    where t.number = ${number}
      and exists (select 1 from messages m where m.ticket_id = t.id and m.automatic = 'survey' and m.direction = 'outbound')`;
  return row;
}
