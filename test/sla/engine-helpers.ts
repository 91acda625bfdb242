import type { Sql } from '../../src/db/index.ts';
import type { TestSwitchboard } from '../helpers/switchboard.ts';

/** Only an urgent first-reply target of `firstReply`; every other target off. */
export function urgentFirstReply(firstReply: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLA_TARGETS: JSON.stringify({
      urgent: { firstReply, nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null },
      high: null,
      normal: null,
      low: null,
    }),
    ...extra,
  };
}

let sequence = 0;

/** A customer writes; returns the new ticket's number and when it was created. */
export async function openTicket(app: TestSwitchboard, text = 'help'): Promise<{ number: number; createdAt: Date }> {
  const from = `sla-${process.pid}-${++sequence}`;
  const { status, json } = await app.inbound({ id: `${from}-1`, from, text });
  if (status !== 200) throw new Error(`inbound answered ${status}: ${JSON.stringify(json)}`);
  const ticket = await app.tickets.find(json.ticket);
  return { number: json.ticket, createdAt: ticket!.createdAt };
}

/** A customer writes and an agent makes it urgent at once. */
export async function openUrgentTicket(app: TestSwitchboard): Promise<{ number: number; createdAt: Date }> {
  const ticket = await openTicket(app);
  await app.tickets.setPriority(ticket.number, 'urgent', 'U_AGENT');
  return ticket;
}

export interface AlertRecord {
  metric: string;
  cycle: number;
  kind: string;
  dueAt: Date;
  firedAt: Date;
  posted: boolean;
}

/** The alerts recorded for ticket `number`, by due time. */
export function alertsOf(sql: Sql, number: number): Promise<AlertRecord[]> {
  return sql<AlertRecord[]>`
    select a.metric, a.cycle, a.kind, a.due_at, a.fired_at, a.posted
    from sla_alerts a join tickets t on t.id = a.ticket_id where t.number = ${number} order by a.due_at, a.kind`;
}

export interface SlaEventRecord {
  kind: string;
  actor: string;
  data: Record<string, any>;
  at: Date;
}

/** The `sla-*` events of ticket `number`, in order. */
export function slaEventsOf(sql: Sql, number: number): Promise<SlaEventRecord[]> {
  return sql<SlaEventRecord[]>`
    select e.kind, e.actor, e.data, e.at from events e join tickets t on t.id = e.ticket_id
    where t.number = ${number} and e.kind like 'sla-%' order by e.id`;
}

/** The SLA summary columns and escalation level of ticket `number`. */
export async function summaryOf(sql: Sql, number: number) {
  const [row] = await sql<{ slaDueAt: Date | null; slaDueMetric: string | null; slaBreachedAt: Date | null; escalationLevel: number; timerAt: Date | null }[]>`
    select t.sla_due_at, t.sla_due_metric, t.sla_breached_at, t.escalation_level, s.timer_at
    from tickets t left join sla_tickets s on s.ticket_id = t.id where t.number = ${number}`;
  return row!;
}

/** The waiting (created) timer jobs of ticket `number`, with when pg-boss will start them. */
export function waitingTimerJobs(sql: Sql, number: number) {
  return sql<{ startAfter: Date; data: Record<string, unknown> }[]>`
    select j.start_after, j.data from pgboss.job j join tickets t on j.singleton_key = t.id::text
    where t.number = ${number} and j.name = 'sla.timer' and j.state = 'created'`;
}

/** Polls `check` every `everyMs` until it returns something truthy; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds from `from` to `to`. */
export const msBetween = (from: Date, to: Date) => to.getTime() - from.getTime();
