/**
 * The SLA engine's SQL: its own tables (sla_tickets, sla_alerts, sla_policy, migration 004),
 * the summary columns it keeps on tickets, and the reads that turn a ticket into facts.
 */
import type { Db } from '../db/index.ts';
import type { TicketSlaTarget } from '../tickets/index.ts';
import type { Metric } from './types.ts';

/** One live target as the ticket API shows it (`TicketView.sla`). */
export interface SlaTarget extends TicketSlaTarget {
  metric: Metric;
}

/** A ticket as the engine reads it, locked, with its timer and the alerts already recorded. */
export interface SlaTicket {
  id: number;
  number: number;
  escalationLevel: number;
  /** The team and the contact's tags, which pick the targets (switchboard.yml). */
  team: string | null;
  contactTags: string[];
  /** The last team move or change to the contact: what picks the targets changed then. */
  rescopedAt: Date | null;
  slaDueAt: Date | null;
  slaDueMetric: string | null;
  slaBreachedAt: Date | null;
  timerAt: Date | null;
  targets: SlaTarget[] | null;
  /** `metric:cycle:kind` of every alert recorded for the ticket. */
  recorded: string[];
}

/** Locks the ticket for the rest of the transaction and reads what the engine keeps about it. */
export async function lockSlaTicket(db: Db, ticketId: number): Promise<SlaTicket | undefined> {
  const [row] = await db<SlaTicket[]>`
    select t.id, t.number, t.escalation_level, t.team, c.tags as contact_tags,
      (select max(e.at) from events e where e.ticket_id = t.id and e.kind in ('team-moved', 'contact-updated')) as rescoped_at,
      t.sla_due_at, t.sla_due_metric, t.sla_breached_at,
      s.timer_at, s.targets,
      array(select a.metric || ':' || a.cycle || ':' || a.kind from sla_alerts a where a.ticket_id = t.id) as recorded
    from tickets t join contacts c on c.id = t.contact_id left join sla_tickets s on s.ticket_id = t.id
    where t.id = ${ticketId}
    for update of t`;
  return row;
}

/** A row of a ticket's SLA history: an event (created, status, priority) or a message. */
export interface FactRow {
  kind: 'created' | 'status' | 'priority' | 'inbound' | 'outbound';
  at: Date;
  /** The priority created with, the status or priority moved to, or an outbound delivery state. */
  value: string | null;
  sentAt: Date | null;
  /**
   * What neither asks nor answers: written or handled by Switchboard itself (an acknowledgement,
   * a survey and its score, a status question and its answer), or a WhatsApp template that only
   * invites the customer back.
   */
  automatic: boolean;
}

/** The direction of the customer's or agent's message just before this one on its ticket, if any. */
export async function previousPublicDirection(db: Db, messageId: string): Promise<'inbound' | 'outbound' | null> {
  const [row] = await db<{ previous: 'inbound' | 'outbound' | null }[]>`
    select (select p.direction from messages p
            where p.ticket_id = m.ticket_id and p.direction in ('inbound', 'outbound') and p.seq < m.seq
            order by p.seq desc limit 1) as previous
    from messages m where m.id = ${messageId}`;
  return row?.previous ?? null;
}

/**
 * The ticket's SLA-relevant history in time order. At one instant events come before messages
 * (a customer's message is stored after the status change it causes), then in recording order.
 */
export async function listFactRows(db: Db, ticketId: number): Promise<FactRow[]> {
  return (await listFactRowsOf(db, [ticketId])).get(ticketId) ?? [];
}

/** `listFactRows` for many tickets in one statement (reports replay their SLA cycles). */
export async function listFactRowsOf(db: Db, ticketIds: readonly number[]): Promise<Map<number, FactRow[]>> {
  const rows = await db<(FactRow & { ticketId: number })[]>`
    select ticket_id, kind, at, value, sent_at, automatic from (
      select e.ticket_id, e.kind, e.at, coalesce(e.data->>'to', e.data->>'priority') as value, null::timestamptz as sent_at,
        false as automatic, 0 as source, e.id as ord
      from events e where e.ticket_id = any(${ticketIds as number[]}::int[]) and e.kind in ('created', 'status', 'priority')
      union all
      -- A message a merge moved belongs to the history of the ticket it was written on (merged_from).
      select coalesce(m.merged_from, m.ticket_id), m.direction, m.created_at, m.delivery, m.sent_at,
        m.automatic is not null or (m.direction = 'outbound' and (m.author is null or m.template)), 1, m.seq
      from messages m
      where ((m.ticket_id = any(${ticketIds as number[]}::int[]) and m.merged_from is null) or m.merged_from = any(${ticketIds as number[]}::int[]))
        and m.direction in ('inbound', 'outbound')
    ) facts
    order by ticket_id, at, source, ord`;
  const byTicket = new Map<number, FactRow[]>();
  for (const { ticketId, ...row } of rows) {
    const list = byTicket.get(ticketId) ?? [];
    list.push(row);
    byTicket.set(ticketId, list);
  }
  return byTicket;
}

/** One alert to record. */
export interface AlertRow {
  metric: Metric;
  cycle: number;
  kind: string;
  dueAt: Date;
  posted: boolean;
}

/**
 * Records alerts by their key; returns the `metric:cycle:kind` of those recorded now. An alert
 * already there (another instance, a repeated job) is not returned, so its effects are skipped.
 */
export async function recordAlerts(db: Db, ticketId: number, alerts: readonly AlertRow[], firedAt: Date): Promise<Set<string>> {
  if (alerts.length === 0) return new Set();
  const rows = alerts.map((a) => ({ metric: a.metric, cycle: a.cycle, kind: a.kind, due_at: a.dueAt.toISOString(), posted: a.posted }));
  const inserted = await db<{ key: string }[]>`
    insert into sla_alerts (ticket_id, metric, cycle, kind, due_at, fired_at, posted)
    select ${ticketId}, metric, cycle, kind, due_at, ${firedAt}, posted
    from jsonb_to_recordset(${db.json(rows as never)}) as x(metric text, cycle integer, kind text, due_at timestamptz, posted boolean)
    on conflict do nothing
    returning metric || ':' || cycle || ':' || kind as key`;
  return new Set(inserted.map((r) => r.key));
}

/** The ticket's SLA summary for cards and lists: the nearest due time and an unmet breach. */
export interface SlaSummary {
  dueAt: Date | null;
  dueMetric: string | null;
  breachedAt: Date | null;
}

/** Writes the summary columns on tickets (migration 001), without touching `updated_at`. */
export async function updateSlaSummary(db: Db, ticketId: number, summary: SlaSummary): Promise<void> {
  await db`
    update tickets set sla_due_at = ${summary.dueAt}, sla_due_metric = ${summary.dueMetric}, sla_breached_at = ${summary.breachedAt}
    where id = ${ticketId}`;
}

/** Saves the ticket's timer moment and live targets. */
export async function saveSlaTicket(db: Db, ticketId: number, timerAt: Date | null, targets: SlaTarget[], at: Date): Promise<void> {
  await db`
    insert into sla_tickets (ticket_id, timer_at, targets, updated_at)
    values (${ticketId}, ${timerAt}, ${db.json(targets as never)}, ${at})
    on conflict (ticket_id) do update set timer_at = excluded.timer_at, targets = excluded.targets, updated_at = excluded.updated_at`;
}

/** The moments the tickets' timers are set for; a ticket with none owed is absent. */
export async function findTimers(db: Db, ticketIds: readonly number[]): Promise<Map<number, Date>> {
  const rows = await db<{ ticketId: number; timerAt: Date }[]>`
    select ticket_id, timer_at from sla_tickets where ticket_id = any(${ticketIds as number[]}::int[]) and timer_at is not null`;
  return new Map(rows.map((r) => [r.ticketId, r.timerAt]));
}

/** The ticket's live targets for the API; empty when none is running or paused. */
export async function findSlaTargets(db: Db, ticketId: number): Promise<SlaTarget[]> {
  const [row] = await db<{ targets: SlaTarget[] }[]>`select targets from sla_tickets where ticket_id = ${ticketId}`;
  return row?.targets ?? [];
}

/**
 * Stores `fingerprint` as the policy in force; true when it differs from the stored one (or none
 * was stored), which makes the caller the one instance to reschedule the open tickets. A second
 * instance starting with the same policy waits on the row and then finds it unchanged.
 */
export async function claimPolicyChange(db: Db, fingerprint: string, at: Date): Promise<boolean> {
  const rows = await db`
    insert into sla_policy as p (id, fingerprint, applied_at) values (true, ${fingerprint}, ${at})
    on conflict (id) do update set fingerprint = excluded.fingerprint, applied_at = excluded.applied_at
      where p.fingerprint <> excluded.fingerprint
    returning 1`;
  return rows.length > 0;
}

/** Ids of unresolved tickets after `afterId`, in id order, `limit` at a time. */
export async function listUnresolvedTicketIds(db: Db, afterId: number, limit: number): Promise<number[]> {
  const rows = await db<{ id: number }[]>`
    select id from tickets where id > ${afterId} and status in ('new', 'open', 'pending') order by id limit ${limit}`;
  return rows.map((r) => r.id);
}

/** Tickets whose timer moment is before `before`: their job should have run by now. */
export async function listOverdueTimers(db: Db, before: Date, limit: number): Promise<number[]> {
  const rows = await db<{ ticketId: number }[]>`
    select ticket_id from sla_tickets where timer_at < ${before} order by timer_at limit ${limit}`;
  return rows.map((r) => r.ticketId);
}
