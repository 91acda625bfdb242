/**
 * What the engine acts on: the alerts due at a moment, each with a key that stays the same
 * however often the state is recomputed (so recording it with `ON CONFLICT DO NOTHING` sends
 * it once, even with several instances), and the next moment anything can fall due.
 */
import type { AlertKind, SlaCycle, SlaState } from './clock.ts';
import type { Metric, Priority } from './types.ts';

export interface SlaAlert {
  key: string;
  ticket: number | string;
  metric: Metric;
  cycle: number;
  priority: Priority;
  kind: AlertKind;
  /** When the mark was reached (may be before the engine looked). */
  at: Date;
  mention: string | null;
  /** The cycle is still unmet on an unresolved ticket: worth posting, not only recording. */
  live: boolean;
  /** A later mark of the same cycle is due too (warning under a breach, an earlier ladder step). */
  superseded: boolean;
}

/** `sla:<ticket>:<metric>:<cycle>:<kind>`: one alert, whenever and wherever it is computed. */
export function alertKey(ticket: number | string, metric: Metric, cycle: number, kind: AlertKind): string {
  return `sla:${ticket}:${metric}:${cycle}:${kind}`;
}

/**
 * Every alert whose mark has been reached by `now` while its cycle was still unmet: the
 * engine records each key once and posts the live, unsuperseded ones. `now` may be later
 * than the state's as long as no fact arrived in between (a timer job firing on time).
 */
export function alertsDue(state: SlaState, now: Date = state.now): SlaAlert[] {
  const alerts: SlaAlert[] = [];
  for (const cycle of state.cycles) {
    // A reply at the very instant of the due time is on time, hence `<` against the end.
    const reached = cycle.marks.filter(
      (mark) => mark.at !== null && mark.at <= now && (cycle.endedAt === null || mark.at < cycle.endedAt),
    );
    reached.forEach((mark, i) => {
      alerts.push({
        key: alertKey(state.ticket, cycle.metric, cycle.cycle, mark.kind),
        ticket: state.ticket,
        metric: cycle.metric,
        cycle: cycle.cycle,
        priority: cycle.priority,
        kind: mark.kind,
        at: mark.at!,
        mention: mark.mention,
        live: cycle.state === 'running' || cycle.state === 'paused',
        superseded: mark.kind !== 'breach' && i < reached.length - 1,
      });
    });
  }
  return alerts;
}

/**
 * The next moment after `now` at which a running cycle reaches a mark; null if none will. Marks
 * whose key is in `recorded` are skipped: a warning already sent before a priority change moved
 * it later is not worth waking up for.
 */
export function nextTimer(state: SlaState, now: Date = state.now, recorded: ReadonlySet<string> = new Set()): Date | null {
  let next: Date | null = null;
  for (const cycle of state.cycles) {
    if (cycle.state !== 'running') continue;
    for (const mark of cycle.marks) {
      if (mark.at === null || mark.at <= now || (next !== null && mark.at >= next)) continue;
      if (!recorded.has(alertKey(state.ticket, cycle.metric, cycle.cycle, mark.kind))) next = mark.at;
    }
  }
  return next;
}

/** The soonest due time among running cycles, for the ticket card's "SLA due". */
export function earliestDue(state: SlaState): SlaCycle | null {
  let soonest: SlaCycle | null = null;
  for (const cycle of state.cycles) {
    if (cycle.state !== 'running' || cycle.dueAt === null) continue;
    if (soonest === null || cycle.dueAt < soonest.dueAt!) soonest = cycle;
  }
  return soonest;
}
