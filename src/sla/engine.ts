/**
 * One ticket's SLA brought up to a moment, inside a transaction that holds the ticket's row
 * lock: its facts read, its state computed, the alerts due recorded by key with their effects
 * (escalation, events), the summary columns and targets written, and its one timer job moved
 * to the next moment anything can fall due.
 */
import type { Db, Tx } from '../db/index.ts';
import type { RecordEvent } from '../tickets/index.ts';
import { raiseEscalation } from '../tickets/tickets-sql.ts';
import { alertKey, alertsDue, nextTimer, type SlaAlert } from './alerts.ts';
import type { Calendar } from './calendar.ts';
import { computeSla, type SlaState } from './clock.ts';
import { factsFromRows, isPosted, noticeFor, sameSummary, sameTargets, summaryOf, targetsOf } from './readout.ts';
import { listFactRows, lockSlaTicket, recordAlerts, saveSlaTicket, updateSlaSummary, type SlaTicket } from './sla-sql.ts';
import type { ScopedPolicy, SlaScope } from './scopes.ts';
import type { Metric, SlaPolicy } from './types.ts';

export interface SlaEngine {
  policy: SlaPolicy;
  calendar: Calendar;
  /** The policy for a ticket's team and contact tags (`scopedPolicies`); without it, `policy` for all. */
  scoped?: (scope: SlaScope) => ScopedPolicy;
  /** Sets the ticket's timer job for `at` (on the engine's clock), inside `db`'s transaction. */
  schedule(db: Db, ticketId: number, at: Date): Promise<void>;
}

export interface Evaluation {
  /** The moment the timer is now set for; null when nothing can fall due. */
  timerAt: Date | null;
  /** Alerts recorded by this evaluation. */
  raised: SlaAlert[];
}

/**
 * Brings ticket `ticketId` up to `now` inside `tx`. With `record` (the timer job, running its own
 * change) it raises the alerts due. Without it (an observer inside someone else's change, which
 * cannot add events other observers would see) an alert due makes the timer due at once, and the
 * job raises it a moment later through `change`, where Slack sees its event.
 */
export async function evaluateTicket(tx: Tx, engine: SlaEngine, ticketId: number, now: Date, record?: RecordEvent): Promise<Evaluation | undefined> {
  // Pipelined: the server runs the facts' read after the lock is held, in one round trip.
  const [ticket, rows] = await Promise.all([lockSlaTicket(tx, ticketId), listFactRows(tx, ticketId)]);
  if (!ticket) return undefined;
  const facts = factsFromRows(rows);
  // Without its creation a ticket has no clock to measure, and an observer must not fail
  // someone else's change over it.
  if (facts[0]?.kind !== 'created') return undefined;
  // The targets in force now apply from each cycle's start, as a priority change does: a ticket
  // moved to another team, or whose contact became a VIP, is measured by its new targets.
  const { policy, calendar } = engine.scoped?.({ team: ticket.team, tags: ticket.contactTags }) ?? engine;
  const state = computeSla({ ticket: ticket.id, policy, calendar, facts, now });

  const recorded = new Set(
    ticket.recorded.map((text) => {
      const [metric, cycle, kind] = text.split(':') as [Metric, string, string];
      return alertKey(ticket.id, metric, Number(cycle), kind as SlaAlert['kind']);
    }),
  );
  const due = alertsDue(state, now).filter((alert) => !recorded.has(alert.key) && !judgedBefore(state, alert, ticket.rescopedAt));
  let raised: SlaAlert[] = [];
  if (record && due.length > 0) {
    raised = await raise(tx, ticket, state, due, now, record);
    for (const alert of due) recorded.add(alert.key);
  }
  const timerAt = due.length > 0 && !record ? now : nextTimer(state, now, recorded);

  const summary = summaryOf(state);
  const current = { dueAt: ticket.slaDueAt, dueMetric: ticket.slaDueMetric, breachedAt: ticket.slaBreachedAt };
  const targets = targetsOf(state);
  const timerMoved = (timerAt?.getTime() ?? null) !== (ticket.timerAt?.getTime() ?? null);
  // The writes depend on nothing the others return: sent together, in one round trip.
  const writes: Promise<void>[] = [];
  if (!sameSummary(current, summary)) writes.push(updateSlaSummary(tx, ticket.id, summary));
  if (timerMoved || !sameTargets(ticket.targets, targets)) writes.push(saveSlaTicket(tx, ticket.id, timerAt, targets, now));
  // A timer set to nothing leaves its job where it is: when it runs it finds no moment owed
  // and stops; a later moment moves that same job rather than adding one. The timer job's own
  // evaluation has used up the job it runs in, so any moment still owed gets a new one.
  if (timerAt !== null && (timerMoved || record)) writes.push(engine.schedule(tx, ticket.id, timerAt));
  await settleAll(writes);
  return { timerAt, raised };
}

/**
 * True when the alert's cycle ended before the ticket moved team or its contact changed: it was
 * judged (and its alerts recorded) under the targets in force then, and today's targets, which
 * the state measures every cycle by, must not make a reply met in time late after the fact.
 */
function judgedBefore(state: SlaState, alert: SlaAlert, rescopedAt: Date | null): boolean {
  if (rescopedAt === null) return false;
  const cycle = state.cycles.find((c) => c.metric === alert.metric && c.cycle === alert.cycle);
  return cycle?.endedAt != null && cycle.endedAt <= rescopedAt;
}

/** Waits for every one of `writes`, then throws the first failure: none is left running. */
async function settleAll(writes: Promise<void>[]): Promise<void> {
  for (const outcome of await Promise.allSettled(writes)) if (outcome.status === 'rejected') throw outcome.reason;
}

/** Records `due` by key and, for those recorded now (not by another instance), their effects. */
async function raise(tx: Tx, ticket: SlaTicket, state: SlaState, due: SlaAlert[], now: Date, record: RecordEvent): Promise<SlaAlert[]> {
  const rows = due.map((alert) => ({ metric: alert.metric, cycle: alert.cycle, kind: alert.kind, dueAt: alert.at, posted: isPosted(alert) }));
  const fresh = await recordAlerts(tx, ticket.id, rows, now);
  const raised = due.filter((alert) => fresh.has(`${alert.metric}:${alert.cycle}:${alert.kind}`));
  let level = ticket.escalationLevel;
  for (const alert of raised) {
    const cycle = state.cycles.find((c) => c.metric === alert.metric && c.cycle === alert.cycle)!;
    const notice = noticeFor(alert, cycle, now);
    if (!notice) continue;
    if (notice.escalate) level = (await raiseEscalation(tx, ticket.id, now)).escalationLevel;
    if (notice.kind === 'sla-breach') record(ticket, notice.kind, 'sla', { ...notice.data, level });
    else record(ticket, notice.kind, 'sla', notice.data);
  }
  return raised;
}
