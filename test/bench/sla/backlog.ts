/**
 * The SLA benchmark's backlog: many open tickets written straight into the tables in the shape
 * intake leaves them (src/tickets/intake.ts: a contact, its API identity, the ticket, the
 * customer's message, `created` and `message` events), each then set to low priority by an
 * agent (a `priority` event, as `setPriority` records it). What the SLA observer would have
 * written in that transaction (sla_tickets, the summary columns, the timer job) is left out on
 * purpose: the app's own start-up recompute writes it (src/sla/timers.ts).
 */
import type { Sql } from 'postgres';

// Creation times spread over this much of the past, so the tickets' timers are spread too.
const SPREAD_SECONDS = 12 * 3600;
// The agent lowers the priority this long after the ticket arrived.
const TRIAGE_SECONDS = 60;

/** Inserts `count` open low-priority API tickets created over the last 12 hours. */
export async function insertBacklog(sql: Sql, count: number): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      insert into contacts (name, created_at, updated_at)
      select 'Backlog customer ' || g, now() - interval '13 hours', now() - interval '13 hours'
      from generate_series(1, ${count}::int) g`;
    await tx`
      insert into identities (contact_id, kind, address, display_name, created_at)
      select c.id, 'api', 'backlog-' || c.id || '@bench.example', c.name, c.created_at
      from contacts c where c.name like 'Backlog customer %' order by c.id`;
    // Deterministic spread: the id scattered over the window by a large prime. Milliseconds, as
    // the app's own timestamps (JavaScript dates) are.
    await tx`
      insert into tickets (contact_id, identity_id, channel, conversation, subject, priority, created_at, updated_at, last_inbound_at)
      select i.contact_id, i.id, 'api', i.address, 'Hello, my order has not arrived yet', 'low',
        arrived, arrived + ${TRIAGE_SECONDS} * interval '1 second', arrived
      from identities i
      cross join lateral (select date_trunc('milliseconds', now()) - ((i.id::bigint * 7919) % ${SPREAD_SECONDS}) * interval '1 second' - interval '2 minutes' as arrived) a
      where i.address like 'backlog-%'
      order by i.id`;
    await tx`
      insert into messages (ticket_id, channel, direction, author, text, attachments, external_id, created_at)
      select t.id, 'api', 'inbound', null, 'Hello, my order has not arrived yet', '[]', 'backlog-' || t.id, t.created_at
      from tickets t where t.conversation like 'backlog-%' order by t.id`;
    await tx`
      insert into events (ticket_id, kind, actor, data, at)
      select t.id, e.kind, e.actor, e.data, e.at
      from tickets t
      join messages m on m.ticket_id = t.id
      cross join lateral (values
        (1, 'created', 'customer', jsonb_build_object('channel', 'api', 'priority', 'normal', 'previousTicketId', null), t.created_at),
        (2, 'message', 'customer', jsonb_build_object('messageId', m.id, 'direction', 'inbound'), t.created_at),
        (3, 'priority', 'U_BENCH_AGENT', jsonb_build_object('from', 'normal', 'to', 'low'), t.updated_at)
      ) as e(ord, kind, actor, data, at)
      where t.conversation like 'backlog-%'
      order by t.id, e.ord`;
  });
  await sql`analyze contacts, identities, tickets, messages, events`;
}
