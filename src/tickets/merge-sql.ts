import type { ChannelName } from '../channels/contract.ts';
import type { Db } from '../db/index.ts';
import type { Ticket } from './types.ts';

/** Locks the tickets numbered so, in id order (two merges crossing never deadlock). */
export async function lockTicketsByNumber(db: Db, numbers: readonly number[]): Promise<Ticket[]> {
  return db<Ticket[]>`select * from tickets where number = any(${numbers as number[]}::int[]) order by id for update`;
}

/** Whether the ticket has an agent's reply not yet handed to the platform (its delivery job still owns it). */
export async function hasReplyOnItsWay(db: Db, ticketId: number): Promise<boolean> {
  const rows = await db`select 1 from messages where ticket_id = ${ticketId} and delivery = 'queued' and external_id is null and automatic is null limit 1`;
  return rows.length > 0;
}

/**
 * Moves the conversation of `fromId` to `intoId`, each message marked with the ticket it was
 * written on (`fromId`, or the one an earlier merge brought it from); returns how many
 * messages moved. What Switchboard said about `fromId` itself (its acknowledgement, status
 * answers, its survey and score: `automatic`) stays with it: one of each per ticket, and a survey
 * still waiting is withdrawn there (the ticket was merged away).
 */
export async function moveMessages(db: Db, fromId: number, intoId: number): Promise<number> {
  const rows = await db`
    update messages set ticket_id = ${intoId}, merged_from = coalesce(merged_from, ${fromId})
    where ticket_id = ${fromId} and automatic is null returning 1`;
  return rows.length;
}

/** Closes the ticket merged away, pointing at the one it went into. */
export async function closeAsMerged(db: Db, ticketId: number, intoId: number, at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`
    update tickets set status = 'closed', merged_into = ${intoId}, closed_at = ${at}, updated_at = ${at}
    where id = ${ticketId} returning *`;
  return row!;
}

/**
 * The ticket taking the merged one's place: its tags and CCs gain the other's, and it counts as
 * waiting since the later of the two customers' last messages.
 */
export async function absorbTicket(db: Db, intoId: number, from: Ticket, at: Date): Promise<Ticket> {
  const [row] = await db<Ticket[]>`
    update tickets set updated_at = ${at},
      tags = (select coalesce(array_agg(distinct t order by t), '{}') from unnest(tags || ${from.tags as string[]}::text[]) t),
      cc = cc || array(select unnest(${from.cc as string[]}::text[]) except select unnest(cc)),
      last_inbound_at = greatest(last_inbound_at, ${from.lastInboundAt}::timestamptz)
    where id = ${intoId} returning *`;
  return row!;
}

/**
 * Where a customer message on a conversation whose ticket was merged away belongs: following the
 * merge pointers from the hinted ticket (when closed), else from the latest ticket on the
 * conversation, to the ticket that holds it now, locked. Undefined when that ticket is closed
 * too, or nothing was merged.
 */
export async function findMergeTarget(
  db: Db,
  start: { hintedId: number | null; contactId: number; channel: ChannelName; conversation: string },
): Promise<Ticket | undefined> {
  const [row] = await db<Ticket[]>`
    with recursive chain (id, merged_into, depth) as (
      select t.id, t.merged_into, 0 from tickets t
      where t.id = coalesce(${start.hintedId}::int, (
        select l.id from tickets l where l.contact_id = ${start.contactId} and l.channel = ${start.channel} and l.conversation = ${start.conversation}
        order by l.created_at desc, l.id desc limit 1))
        and t.merged_into is not null
      union all
      select t.id, t.merged_into, c.depth + 1 from tickets t join chain c on t.id = c.merged_into where c.depth < 100
    )
    select t.* from tickets t
    where t.id = (select id from chain where merged_into is null limit 1) and t.status <> 'closed'
    for update`;
  return row;
}
