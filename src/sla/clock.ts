/**
 * The second half of the SLA clock: each cycle's runs measured in working time against the
 * target of its priority, giving due, warning and ladder instants. Pure: the same facts,
 * policy, calendar and `now` always give the same state.
 */
import type { Calendar } from './calendar.ts';
import type { TicketFact } from './facts.ts';
import { buildTimeline, type RawCycle } from './timeline.ts';
import { METRICS, type Metric, type Priority, type SlaPolicy, type Status } from './types.ts';

export type AlertKind = 'warning' | 'breach' | `ladder-${number}`;

/** The instant a cycle's counted time reaches a mark; null if it has not and is not counting. */
export interface Mark {
  kind: AlertKind;
  at: Date | null;
  /** Who the alert mentions: the ladder step's mention, or `SLA_URGENT_MENTION` on an urgent breach. */
  mention: string | null;
}

export type CycleState = 'running' | 'paused' | 'stopped' | 'met';

export interface SlaCycle {
  metric: Metric;
  cycle: number;
  priority: Priority;
  startedAt: Date;
  targetMs: number;
  /** Working time counted so far. */
  elapsedMs: number;
  /** `paused`: pending (resolution only); `stopped`: ended or suspended by a resolve or close. */
  state: CycleState;
  paused: boolean;
  /**
   * When the target runs out if nothing changes; for an ended cycle, as it stood when it
   * ended (compare with `metAt`). Null while paused or suspended by a resolve.
   */
  dueAt: Date | null;
  warnAt: Date | null;
  metAt: Date | null;
  /** When the cycle ended: met, or stopped by a resolve or close. */
  endedAt: Date | null;
  /** When the target ran out with the cycle unmet; null if it has not (yet). */
  breachedAt: Date | null;
  /** Warning, breach and ladder steps in order. */
  marks: Mark[];
}

export interface SlaState {
  ticket: number | string;
  now: Date;
  status: Status;
  priority: Priority;
  /** Every cycle of every metric that has a target, oldest first. */
  cycles: SlaCycle[];
}

export interface SlaInput {
  ticket: number | string;
  policy: SlaPolicy;
  calendar: Calendar;
  facts: readonly TicketFact[];
  now: Date;
}

/** The SLA state of one ticket as of `now`. */
export function computeSla(input: SlaInput): SlaState {
  const { policy, calendar, now } = input;
  const timeline = buildTimeline(input.facts, now);
  const cycles: SlaCycle[] = [];
  for (const raw of timeline.cycles) {
    // A priority change re-applies the targets from each running cycle's start (Zendesk's
    // apply_sla event), so only the priority in force at the end or now matters.
    const targetMs = policy.targets[raw.priority][raw.metric];
    if (targetMs === undefined) continue;
    cycles.push(measure(raw, targetMs, policy, calendar, timeline.status, now));
  }
  return { ticket: input.ticket, now, status: timeline.status, priority: timeline.priority, cycles };
}

/** The latest cycle of each metric that applies, in the order of `METRICS`. */
export function currentCycles(state: SlaState): SlaCycle[] {
  const latest = new Map<Metric, SlaCycle>();
  for (const cycle of state.cycles) latest.set(cycle.metric, cycle);
  return METRICS.flatMap((metric) => latest.get(metric) ?? []);
}

function measure(raw: RawCycle, targetMs: number, policy: SlaPolicy, calendar: Calendar, status: Status, now: Date): SlaCycle {
  const nowMs = now.getTime();
  const worked = raw.runs.map((run) => calendar.workingTimeBetween(new Date(run.from), new Date(run.to ?? nowMs)));
  const running = raw.end === null && raw.runs.at(-1)?.to === null;
  const last = raw.runs.length - 1;

  // Where the counted time reaches `threshold`: inside the run that crosses it, or projected
  // along the open run (or, for an ended cycle, along its last run as if it had gone on).
  const reach = (threshold: number, extendLast: boolean): Date | null => {
    let counted = 0;
    for (const [i, run] of raw.runs.entries()) {
      const open = run.to === null || (extendLast && i === last);
      if (open || counted + worked[i]! >= threshold) return calendar.addWorkingTime(new Date(run.from), threshold - counted);
      counted += worked[i]!;
    }
    return null;
  };

  const warnMs = Math.round(targetMs * policy.warnAt);
  const thresholds: Array<[AlertKind, number, string | null]> = [
    ['warning', warnMs, null],
    ['breach', targetMs, raw.priority === 'urgent' ? policy.urgentMention : null],
    ...policy.ladder.map((step, i): [AlertKind, number, string] => [`ladder-${i + 1}`, targetMs + step.afterMs, step.mention]),
  ];
  const ended = raw.end !== null;
  const breach = reach(targetMs, false);
  // A reply at the very instant the target runs out is on time.
  const breached = breach !== null && breach.getTime() <= nowMs && (raw.end === null || breach.getTime() < raw.end.at);
  const state = stateOf(raw, running, status);

  return {
    metric: raw.metric,
    cycle: raw.cycle,
    priority: raw.priority,
    startedAt: new Date(raw.startedAt),
    targetMs,
    elapsedMs: worked.reduce((sum, ms) => sum + ms, 0),
    state,
    paused: state === 'paused',
    dueAt: running || ended ? reach(targetMs, ended) : null,
    warnAt: running || ended ? reach(warnMs, ended) : null,
    metAt: raw.end?.how === 'met' ? new Date(raw.end.at) : null,
    endedAt: raw.end ? new Date(raw.end.at) : null,
    breachedAt: breached ? breach : null,
    marks: thresholds.map(([kind, threshold, mention]) => ({ kind, at: reach(threshold, false), mention })),
  };
}

function stateOf(raw: RawCycle, running: boolean, status: Status): CycleState {
  if (raw.end?.how === 'met') return 'met';
  if (running) return 'running';
  // Not counting and not met: ended or suspended by a resolve or close, else pending.
  if (raw.end !== null || status === 'resolved' || status === 'closed') return 'stopped';
  return 'paused';
}
