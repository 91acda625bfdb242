/**
 * Pure translations between the SLA state and what the rest of Switchboard sees: stored rows
 * into facts, a state into the ticket's summary columns and the API's targets, and an alert
 * into the event Slack renders (the event contract in src/tickets/types.ts).
 */
import { earliestDue, type SlaAlert } from './alerts.ts';
import { currentCycles, type SlaCycle, type SlaState } from './clock.ts';
import { factFromMessage, type TicketFact } from './facts.ts';
import type { FactRow, SlaSummary, SlaTarget } from './sla-sql.ts';
import { PRIORITIES, STATUSES, type Priority, type Status } from './types.ts';
import type { DeliveryState } from '../channels/contract.ts';
import type { EventData } from '../tickets/index.ts';

const isPriority = (v: string | null): v is Priority => (PRIORITIES as readonly (string | null)[]).includes(v);
const isStatus = (v: string | null): v is Status => (STATUSES as readonly (string | null)[]).includes(v);

/** A ticket's stored history as the clock's facts; rows that do not count are left out. */
export function factsFromRows(rows: readonly FactRow[]): TicketFact[] {
  const facts: TicketFact[] = [];
  for (const row of rows) {
    let fact: TicketFact | null = null;
    if (row.kind === 'created') fact = { kind: 'created', at: row.at, priority: isPriority(row.value) ? row.value : 'normal' };
    else if (row.kind === 'status') fact = isStatus(row.value) ? { kind: 'status', at: row.at, status: row.value } : null;
    else if (row.kind === 'priority') fact = isPriority(row.value) ? { kind: 'priority', at: row.at, priority: row.value } : null;
    else {
      fact = factFromMessage({
        direction: row.kind,
        createdAt: row.at,
        delivery: row.value as DeliveryState | null,
        sentAt: row.sentAt,
        automatic: row.automatic,
      });
    }
    if (fact) facts.push(fact);
  }
  return facts;
}

const live = (cycle: SlaCycle) => cycle.state === 'running' || cycle.state === 'paused';

/** The nearest running due time and the earliest breach of a target still unmet. */
export function summaryOf(state: SlaState): SlaSummary {
  const soonest = earliestDue(state);
  let breachedAt: Date | null = null;
  for (const cycle of state.cycles) {
    if (live(cycle) && cycle.breachedAt && (breachedAt === null || cycle.breachedAt < breachedAt)) breachedAt = cycle.breachedAt;
  }
  return { dueAt: soonest?.dueAt ?? null, dueMetric: soonest?.metric ?? null, breachedAt };
}

/** The targets still running or paused, one per metric, for `GET /api/v1/tickets/:number`. */
export function targetsOf(state: SlaState): SlaTarget[] {
  return currentCycles(state)
    .filter(live)
    .map((cycle) => ({
      metric: cycle.metric,
      dueAt: cycle.dueAt?.toISOString() ?? null,
      paused: cycle.paused,
      breachedAt: cycle.breachedAt?.toISOString() ?? null,
    }));
}

/** True when two target lists say the same (jsonb reorders keys, so compare field by field). */
export function sameTargets(a: readonly SlaTarget[] | null, b: readonly SlaTarget[]): boolean {
  if (a === null || a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return x.metric === y.metric && x.dueAt === y.dueAt && x.paused === y.paused && x.breachedAt === y.breachedAt;
  });
}

/** True when two summaries say the same. */
export function sameSummary(a: SlaSummary, b: SlaSummary): boolean {
  const same = (x: Date | null, y: Date | null) => (x === null ? y === null : y !== null && x.getTime() === y.getTime());
  return same(a.dueAt, b.dueAt) && a.dueMetric === b.dueMetric && same(a.breachedAt, b.breachedAt);
}

/** An event to record for an alert; `escalate` says the breach raises the escalation level first. */
export type AlertNotice =
  | { kind: 'sla-warning'; data: EventData['sla-warning']; escalate: boolean }
  | { kind: 'sla-breach'; data: Omit<EventData['sla-breach'], 'level'>; escalate: boolean }
  | { kind: 'sla-ladder'; data: EventData['sla-ladder']; escalate: boolean };

/** Whether an alert is worth a post: its cycle still unmet and no later mark due with it. */
export const isPosted = (alert: SlaAlert) => alert.live && !alert.superseded;

/**
 * The event an alert newly recorded at `now` becomes, or null for none. A warning or ladder step
 * is posted only while it matters. A breach is always an event, since reports count breaches
 * for attainment; one found after its cycle ended (met late, resolved before the timer ran) is
 * marked `late`, raises nothing and mentions nobody. `level` is filled in by the caller.
 */
export function noticeFor(alert: SlaAlert, cycle: SlaCycle, now: Date): AlertNotice | null {
  const base = { metric: alert.metric, cycle: alert.cycle };
  const waitingMs = now.getTime() - cycle.startedAt.getTime();
  const mentions = alert.mention ? alert.mention.split(/\s+/) : [];
  if (alert.kind === 'breach') {
    const data = { ...base, dueAt: alert.at.toISOString(), waitingMs };
    return alert.live
      ? { kind: 'sla-breach', data: { ...data, mentions }, escalate: true }
      : { kind: 'sla-breach', data: { ...data, mentions: [], late: true }, escalate: false };
  }
  if (!isPosted(alert)) return null;
  if (alert.kind === 'warning') {
    // Paused (pending) there is no due instant: what is left is working time.
    const leftMs = cycle.dueAt ? cycle.dueAt.getTime() - now.getTime() : cycle.targetMs - cycle.elapsedMs;
    return { kind: 'sla-warning', data: { ...base, dueAt: cycle.dueAt?.toISOString() ?? null, leftMs }, escalate: false };
  }
  const step = Number(alert.kind.slice('ladder-'.length));
  return { kind: 'sla-ladder', data: { ...base, step, waitingMs, mentions }, escalate: false };
}
