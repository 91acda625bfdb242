import type { IdentityKind } from '../channels/contract.ts';
import type { Db } from '../db/index.ts';
import type { Actor } from './types.ts';

/** A contact's own row, as a merge reads and locks it. */
export interface ContactRow {
  id: number;
  name: string | null;
  tags: string[];
  custom: Record<string, unknown>;
  mergedInto: number | null;
}

/** What a contact merge recorded: enough to undo it. */
export interface ContactMergeData {
  from: number;
  into: number;
  identities: number[];
  tickets: number[];
  /** The attributes `into` had before it took `from`'s. */
  before: { name: string | null; tags: string[]; custom: Record<string, unknown> };
}

export async function identitiesOf(db: Db, contactId: number): Promise<{ id: number; kind: IdentityKind; address: string }[]> {
  return db<{ id: number; kind: IdentityKind; address: string }[]>`select id, kind, address from identities where contact_id = ${contactId} order by id`;
}

export async function identitiesById(db: Db, ids: readonly number[]): Promise<{ id: number; kind: IdentityKind; address: string }[]> {
  return db<{ id: number; kind: IdentityKind; address: string }[]>`select id, kind, address from identities where id = any(${ids as number[]}::int[]) order by id`;
}

/** Locks both contacts, in id order. */
export async function lockContacts(db: Db, ids: readonly number[]): Promise<ContactRow[]> {
  return db<ContactRow[]>`select id, name, tags, custom, merged_into from contacts where id = any(${ids as number[]}::int[]) order by id for update`;
}

/** Pairs of open tickets of the two contacts on one conversation: they could not both stay open for one contact. */
export async function clashingTickets(db: Db, a: number, b: number): Promise<{ one: number; other: number } | undefined> {
  const [row] = await db<{ one: number; other: number }[]>`
    select x.number as one, y.number as other from tickets x join tickets y
      on y.contact_id = ${b} and y.channel = x.channel and y.conversation = x.conversation and y.status <> 'closed'
    where x.contact_id = ${a} and x.status <> 'closed' limit 1`;
  return row;
}

/** Moves the contact's identities and tickets to another; returns their ids. */
export async function moveContactRows(db: Db, from: number, into: number, at: Date): Promise<{ identities: number[]; tickets: number[] }> {
  const identities = await db<{ id: number }[]>`update identities set contact_id = ${into} where contact_id = ${from} returning id`;
  const tickets = await db<{ id: number }[]>`update tickets set contact_id = ${into}, updated_at = ${at} where contact_id = ${from} returning id`;
  return { identities: identities.map((r) => r.id).sort((x, y) => x - y), tickets: tickets.map((r) => r.id).sort((x, y) => x - y) };
}

/** Moves identities and tickets named by a merge back, those still with `into`. */
export async function moveBack(db: Db, data: ContactMergeData, at: Date): Promise<void> {
  await db`update identities set contact_id = ${data.from} where id = any(${data.identities}::int[]) and contact_id = ${data.into}`;
  await db`update tickets set contact_id = ${data.from}, updated_at = ${at} where id = any(${data.tickets}::int[]) and contact_id = ${data.into}`;
}

export async function setContactAttributes(db: Db, id: number, attributes: ContactMergeData['before'], mergedInto: number | null, at: Date): Promise<void> {
  await db`
    update contacts set name = ${attributes.name}, tags = ${attributes.tags}::text[], custom = ${db.json(attributes.custom as never)},
      merged_into = ${mergedInto}, updated_at = ${at}
    where id = ${id}`;
}

export async function setMergedInto(db: Db, id: number, mergedInto: number | null, at: Date): Promise<void> {
  await db`update contacts set merged_into = ${mergedInto}, updated_at = ${at} where id = ${id}`;
}

/** Records an event of no ticket (a contact's), returning its id. */
export async function insertContactEvent(db: Db, kind: 'contact-merged' | 'contact-unmerged', actor: Actor, data: Record<string, unknown>, at: Date): Promise<string> {
  const [row] = await db<{ id: string }[]>`insert into events (ticket_id, kind, actor, data, at) values (null, ${kind}, ${actor}, ${db.json(data as never)}, ${at}) returning id::text`;
  return row!.id;
}

/** A contact merge's event, and whether it was undone already. */
export async function findContactMerge(db: Db, eventId: string): Promise<{ at: Date; data: ContactMergeData; undone: boolean } | undefined> {
  const [row] = await db<{ at: Date; data: ContactMergeData; undone: boolean }[]>`
    select e.at, e.data, exists (select 1 from events u where u.kind = 'contact-unmerged' and u.ticket_id is null and u.data->>'event' = e.id::text) as undone
    from events e where e.id = ${eventId}::bigint and e.kind = 'contact-merged' and e.ticket_id is null`;
  return row;
}

/**
 * What keeps a merge from being undone: a customer message from one of the moved identities
 * since (on a ticket they opened), or a ticket merge touching the moved tickets since.
 */
export async function changedSinceMerge(db: Db, data: ContactMergeData, at: Date): Promise<'message' | 'ticket-merge' | undefined> {
  const [row] = await db<{ message: boolean; ticketMerge: boolean }[]>`
    select
      exists (select 1 from messages m join tickets t on t.id = m.ticket_id
              where t.identity_id = any(${data.identities}::int[]) and m.direction = 'inbound' and m.created_at > ${at}) as message,
      exists (select 1 from events e where e.kind in ('merged', 'merged-in') and e.at >= ${at}
              and (e.ticket_id = any(${data.tickets}::int[])
                   or (e.data->>'fromTicketId')::int = any(${data.tickets}::int[])
                   or (e.data->>'intoTicketId')::int = any(${data.tickets}::int[]))) as ticket_merge`;
  if (row?.message) return 'message';
  if (row?.ticketMerge) return 'ticket-merge';
  return undefined;
}

/** The contact's tickets that are not closed (their cards show the contact). */
export async function openTicketsOf(db: Db, contactIds: readonly number[]): Promise<{ id: number; number: number; contactId: number }[]> {
  return db<{ id: number; number: number; contactId: number }[]>`
    select id, number, contact_id from tickets where contact_id = any(${contactIds as number[]}::int[]) and status <> 'closed' order by id`;
}
