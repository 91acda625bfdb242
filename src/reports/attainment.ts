/**
 * SLA attainment per target: how many target cycles were met, breached, or breached late in a
 * period. Breaches come from the `sla-breach` events the engine records (one per cycle, `late`
 * when found only after the cycle ended). A met cycle leaves no event, so the tickets where one
 * may have ended are replayed through the SLA clock itself (src/sla), with the policy in force:
 * the same rules that ran the timers say which cycles there were and when each was met.
 */
import type { Db } from '../db/index.ts';
import { calendarFor } from '../sla/calendar.ts';
import { computeSla } from '../sla/clock.ts';
import { factsFromRows } from '../sla/readout.ts';
import { listFactRowsOf } from '../sla/sla-sql.ts';
import { METRICS, PRIORITIES, type Metric, type SlaPolicy } from '../sla/types.ts';
import type { ScopedPolicy, SlaScope } from '../sla/scopes.ts';
import { breachKeysOf, listBreaches, listTicketsWithTargetEnds, mergeClosuresOf, slaScopesOf, type Range, type Scope } from './reports-sql.ts';

export interface TargetAttainment {
  metric: Metric;
  met: number;
  breached: number;
  breachedLate: number;
  /** met / (met + breached + breached late); null when no cycle was decided. */
  attainment: number | null;
}

export interface SlaAttainment {
  targets: TargetAttainment[];
  overall: Omit<TargetAttainment, 'metric'>;
}

// Tickets replayed per statement: their facts are read in one query.
const CHUNK = 500;

/** Met, breached and breached-late cycles per target, decided in the period. */
export async function slaAttainment(
  db: Db,
  policy: SlaPolicy,
  range: Range,
  scope: Scope,
  now: Date,
  scoped?: (ticket: SlaScope) => ScopedPolicy,
): Promise<SlaAttainment> {
  const counts = new Map<Metric, Omit<TargetAttainment, 'metric' | 'attainment'>>();
  const add = (metric: string, field: 'met' | 'breached' | 'breachedLate') => {
    if (!(METRICS as readonly string[]).includes(metric)) return;
    const entry = counts.get(metric as Metric) ?? { met: 0, breached: 0, breachedLate: 0 };
    entry[field] += 1;
    counts.set(metric as Metric, entry);
  };

  for (const breach of await listBreaches(db, range, scope)) add(breach.metric, breach.late ? 'breachedLate' : 'breached');

  // The clock as it stood at the end of the period (or now, for a period still running).
  const asOf = new Date(Math.min(range.to.getTime() - 1, now.getTime()));
  const inPeriod = (at: Date | null) => at !== null && at >= range.from && at < range.to;
  const calendar = calendarFor(policy);
  const ids = await listTicketsWithTargetEnds(db, range, scope);
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const [facts, recorded, merges, scopes] = await Promise.all([
      listFactRowsOf(db, chunk),
      breachKeysOf(db, chunk),
      mergeClosuresOf(db, chunk),
      scoped ? slaScopesOf(db, chunk) : Promise.resolve(new Map<number, SlaScope>()),
    ]);
    for (const id of chunk) {
      const rows = factsFromRows(facts.get(id) ?? []);
      if (rows[0]?.kind !== 'created') continue;
      // Each ticket by the targets and hours the engine measures it by: its team's and its contact's tags'.
      const ticketScope = scopes.get(id);
      const measured = scoped && ticketScope ? scoped(ticketScope) : { policy, calendar };
      const state = computeSla({ ticket: id, policy: measured.policy, calendar: measured.calendar, facts: rows, now: asOf });
      for (const cycle of state.cycles) {
        // A breach the engine recorded was counted above, by its due time.
        if (recorded.has(`${id}:${cycle.metric}:${cycle.cycle}`)) continue;
        if (cycle.breachedAt !== null) {
          // Breached without an event yet (the timer has not run): the engine will record it late
          // if the cycle has ended, live if it still runs.
          if (inPeriod(cycle.breachedAt)) add(cycle.metric, cycle.endedAt ? 'breachedLate' : 'breached');
        } else if (cycle.state === 'met' && inPeriod(cycle.metAt) && !merges.has(`${id}:${cycle.metAt!.getTime()}`)) {
          // A ticket closed by a merge was not resolved: its resolution targets are left out.
          add(cycle.metric, 'met');
        }
      }
    }
  }

  const configured = METRICS.filter((metric) => PRIORITIES.some((p) => policy.targets[p][metric] !== undefined) || counts.has(metric));
  const targets = configured.map((metric) => withRate({ metric, ...(counts.get(metric) ?? { met: 0, breached: 0, breachedLate: 0 }) }));
  const sum = (field: 'met' | 'breached' | 'breachedLate') => targets.reduce((total, t) => total + t[field], 0);
  return { targets, overall: withRate({ met: sum('met'), breached: sum('breached'), breachedLate: sum('breachedLate') }) };
}

function withRate<T extends { met: number; breached: number; breachedLate: number }>(counts: T): T & { attainment: number | null } {
  const decided = counts.met + counts.breached + counts.breachedLate;
  return { ...counts, attainment: decided === 0 ? null : counts.met / decided };
}
