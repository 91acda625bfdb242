import { calendarFor } from '../../src/sla/calendar.ts';
import { computeSla, type SlaCycle, type SlaState } from '../../src/sla/clock.ts';
import type { TicketFact } from '../../src/sla/facts.ts';
import { parseSlaPolicy } from '../../src/sla/policy.ts';
import type { Metric, Priority, Status } from '../../src/sla/types.ts';
import { parseEnv } from '../helpers/env.ts';

/** The SLA policy for `env`, and the problems the reader recorded. */
export function policyFromEnv(env: Record<string, string>) {
  const { value: policy, problems } = parseEnv(parseSlaPolicy, env);
  return { policy, problems };
}

export const H = 3_600_000;
export const M = 60_000;

// Monday 2026-06-01 onwards. Calendar-hour tests read these as UTC; the business-hour tests
// say their Berlin (CEST, UTC+2) local time beside each instant.
const DAYS = { mon: '2026-06-01', tue: '2026-06-02', wed: '2026-06-03', thu: '2026-06-04' } as const;

/** `t('09:30')` is Monday 09:30 UTC; `t('11:00', 'tue')` is Tuesday. */
export const t = (hhmm: string, day: keyof typeof DAYS = 'mon') => new Date(`${DAYS[day]}T${hhmm}:00Z`);

export const created = (at: Date, priority: Priority = 'normal'): TicketFact => ({ kind: 'created', at, priority });
export const customer = (at: Date): TicketFact => ({ kind: 'customer-message', at });
export const reply = (at: Date): TicketFact => ({ kind: 'agent-reply', at });
export const status = (at: Date, to: Status): TicketFact => ({ kind: 'status', at, status: to });
export const priority = (at: Date, to: Priority): TicketFact => ({ kind: 'priority', at, priority: to });

/** Normal: first reply 4h, next reply 2h, periodic update 6h, resolution 8h, total 1d. */
export const TARGETS = JSON.stringify({
  normal: { firstReply: '4h', nextReply: '2h', periodicUpdate: '6h', resolution: '8h', totalResolution: '1d' },
});

export const BERLIN_9_TO_5 = JSON.stringify({
  timezone: 'Europe/Berlin',
  hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, ['09:00', '17:00']])),
});

/** The SLA state of ticket #42 at `now`, under `SLA_TARGETS=TARGETS` and any other variables. */
export function sla(facts: TicketFact[], now: Date, env: Record<string, string> = {}): SlaState {
  const { policy, problems } = policyFromEnv({ SLA_TARGETS: TARGETS, ...env });
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
  return computeSla({ ticket: 42, policy, calendar: calendarFor(policy), facts, now });
}

/** The `n`-th cycle of `metric` (the latest when `n` is left out). */
export function cycleOf(state: SlaState, metric: Metric, n?: number): SlaCycle | undefined {
  const cycles = state.cycles.filter((c) => c.metric === metric);
  return n === undefined ? cycles.at(-1) : cycles.find((c) => c.cycle === n);
}
