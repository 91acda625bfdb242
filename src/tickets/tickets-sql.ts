import type { ChannelName, IdentityKind } from '../channels/contract.ts';
import type { Db } from '../db/index.ts';
import type { Priority, Status } from './lifecycle.ts';
import type { Ticket } from './types.ts';

/**
 * The sender's ticket on this conversation that is not closed, locked for update. Found by the
 * sender's address rather than their contact, so it goes out with the identity's lookup before
 * that answers (no identity yet: no ticket).
 */
export async function findActiveTicket(db: Db, kind: IdentityKind, address: string, channel: ChannelName, conversation: string): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`
    select * from tickets
    where contact_id = (select contact_id from identities where kind = ${kind} and address = ${address})
      and channel = ${channel} and conversation = ${conversation} and status <> 'closed'
    for update`;
  return row;
}

/**
 * The sender's ticket that an inbound message's threading hints point to, locked for update:
 * one holding a message with one of `references` as its platform id, else the ticket numbered
 * `hint`. Only the sender's own tickets on this channel count, so a stranger naming `[#12]`
 * (or forwarding someone's thread) finds nothing and opens a ticket of their own.
 */
export async function findHintedTicket(
  db: Db,
  sender: { kind: IdentityKind; address: string },
  channel: ChannelName,
  references: readonly string[],
  hint: number | undefined,
): Promise<Ticket | undefined> {
  if (references.length === 0 && hint === undefined) return undefined;
  const [row] = await db<Ticket[]>`
    select t.* from tickets t
    where t.contact_id = (select contact_id from identities where kind = ${sender.kind} and address = ${sender.address})
      and t.channel = ${channel}
      and (t.id in (select ticket_id from messages where channel = ${channel} and external_id = any(${references as string[]}::text[]))
           or t.number = ${hint ?? null}::int)
    order by (t.number = ${hint ?? null}::int) is not true, t.created_at desc, t.id desc
    limit 1
    for update of t`;
  return row;
}

/**
 * Moves the ticket's conversation key (a send opened a thread there); false, and nothing
 * changed, when the contact already has an active ticket on that key.
 */
export async function moveConversation(db: Db, ticketId: number, conversation: string, at: Date): Promise<boolean> {
  const rows = await db`
    update tickets t set conversation = ${conversation}, updated_at = ${at}
    where t.id = ${ticketId} and t.conversation <> ${conversation}
      and not exists (select 1 from tickets o where o.contact_id = t.contact_id and o.channel = t.channel
                      and o.conversation = ${conversation} and o.status <> 'closed' and o.id <> t.id)
    returning 1`;
  return rows.length === 1;
}

/** The most recent ticket on this conversation, to link a new one to it. */
export async function findLatestTicketId(db: Db, contactId: number, channel: ChannelName, conversation: string): Promise<number | undefined> {
  const [row] = await db<{ id: number }[]>`
    select id from tickets
    where contact_id = ${contactId} and channel = ${channel} and conversation = ${conversation}
    order by created_at desc, id desc limit 1`;
  return row?.id;
}

/**
 * Whose ticket it is: the contact's and identity's ids, or the identity by kind and address (one
 * this transaction inserted just before, in the same pipeline, whose ids are not back yet).
 */
export type TicketOwner = { contactId: number; identityId: number } | { kind: IdentityKind; address: string };

export type NewTicket = Pick<Ticket, 'channel' | 'conversation' | 'recipient' | 'subject' | 'cc' | 'previousTicketId'> &
  Partial<Pick<Ticket, 'team' | 'priority' | 'tags' | 'assignee' | 'routedBy'>> & {
    owner: TicketOwner;
    at: Date;
  };

export async function insertTicket(db: Db, t: NewTicket): Promise<Ticket> {
  const owner = 'kind' in t.owner
    ? db`(select contact_id from identities where kind = ${t.owner.kind} and address = ${t.owner.address}),
         (select id from identities where kind = ${t.owner.kind} and address = ${t.owner.address})`
    : db`${t.owner.contactId}, ${t.owner.identityId}`;
  const [row] = await db<Ticket[]>`
    insert into tickets (contact_id, identity_id, channel, conversation, recipient, subject, cc, previous_ticket_id, team, priority, tags, assignee, routed_by,
                         created_at, updated_at, last_inbound_at)
    values (${owner}, ${t.channel}, ${t.conversation}, ${t.recipient}, ${t.subject}, ${t.cc as string[]}::text[], ${t.previousTicketId},
            ${t.team ?? null}, ${t.priority ?? 'normal'}, ${(t.tags ?? []) as string[]}::text[], ${t.assignee ?? null}, ${(t.routedBy ?? []) as string[]}::text[],
            ${t.at}, ${t.at}, ${t.at})
    returning *`;
  return row!;
}

export async function findTicketByNumber(db: Db, number: number): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`select * from tickets where number = ${number}`;
  return row;
}

export async function findTicketById(db: Db, id: number): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`select * from tickets where id = ${id}`;
  return row;
}

/** Locks a ticket by its number for the rest of the transaction. */
export async function lockTicketByNumber(db: Db, number: number): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`select * from tickets where number = ${number} for update`;
  return row;
}

/**
 * Records a customer message's arrival: the time, the status it leads to, where it came in, and
 * anyone newly copied (added to the ticket's CCs, never dropped from them).
 */
export async function touchInbound(db: Db, ticketId: number, status: Status, recipient: string | null, cc: readonly string[], at: Date): Promise<void> {
  // The row is locked and read already, and nothing after needs it: nothing is read back.
  await db`
    update tickets set last_inbound_at = ${at}, updated_at = ${at}, status = ${status},
      recipient = coalesce(${recipient}, recipient),
      cc = cc || array(select unnest(${cc as string[]}::text[]) except select unnest(cc)),
      resolved_at = case when ${status}::text = 'resolved' then resolved_at else null end
    where id = ${ticketId}`;
}

/** Moves a ticket to `status`, stamping resolved/closed times. */
export async function updateStatus(db: Db, ticketId: number, status: Status, at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`
    update tickets set status = ${status}, updated_at = ${at},
      resolved_at = case when ${status}::text = 'resolved' then ${at}::timestamptz
                         when ${status}::text = 'closed' then resolved_at else null end,
      closed_at = case when ${status}::text = 'closed' then ${at}::timestamptz else null end
    where id = ${ticketId} returning *`;
  return row!;
}

export async function updateAssignee(db: Db, ticketId: number, assignee: string | null, status: Status, at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`
    update tickets set assignee = ${assignee}, status = ${status}, updated_at = ${at} where id = ${ticketId} returning *`;
  return row!;
}

export async function updatePriority(db: Db, ticketId: number, priority: Priority, at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`update tickets set priority = ${priority}, updated_at = ${at} where id = ${ticketId} returning *`;
  return row!;
}

export async function raiseEscalation(db: Db, ticketId: number, at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`
    update tickets set escalation_level = escalation_level + 1, updated_at = ${at} where id = ${ticketId} returning *`;
  return row!;
}

export async function addTags(db: Db, ticketId: number, tags: string[], at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`
    update tickets set tags = (select coalesce(array_agg(distinct t order by t), '{}') from unnest(tags || ${tags}::text[]) t),
      updated_at = ${at}
    where id = ${ticketId} returning *`;
  return row!;
}

/** Stamps the first agent reply that reached the customer. */
export async function markFirstResponse(db: Db, ticketId: number, at: Date): Promise<void> {
  await db`update tickets set first_response_at = coalesce(first_response_at, ${at}) where id = ${ticketId}`;
}

export interface TicketFilter {
  statuses?: Status[];
  assignee?: string | null;
  limit?: number;
}

/** Tickets for queues and lists, oldest waiting first. */
export async function listTickets(db: Db, filter: TicketFilter): Promise<Ticket[]> {
  const statuses = filter.statuses ?? ['new', 'open', 'pending'];
  const byAssignee = filter.assignee === undefined ? db`` : filter.assignee === null ? db`and assignee is null` : db`and assignee = ${filter.assignee}`;
  return db<Ticket[]>`
    select * from tickets where status = any(${statuses}::text[]) ${byAssignee}
    order by coalesce(last_inbound_at, created_at), id limit ${filter.limit ?? 50}`;
}

export async function updateTeam(db: Db, ticketId: number, team: string, at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`update tickets set team = ${team}, updated_at = ${at} where id = ${ticketId} returning *`;
  return row!;
}
