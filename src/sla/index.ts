/**
 * The SLA engine's pure core: no database, no Slack, no wall clock.
 *
 * How the engine wires it (next phase):
 * 1. At start-up `parseSlaPolicy(env)` (problems go into the one `ConfigError`) and
 *    `calendarFor(policy)`.
 * 2. Whenever a ticket changes (message stored, reply sent, status, priority) and whenever its
 *    timer job runs: load its facts (`factFromMessage` for messages, status and priority
 *    events as facts), `computeSla({ ticket, policy, calendar, facts, now })`.
 * 3. Record each of `alertsDue(state)` by its key (insert, ON CONFLICT DO NOTHING); post the
 *    newly recorded ones that are `live` and not `superseded`.
 * 4. Schedule one job for the ticket at `nextTimer(state)` (pg-boss `singletonKey` per ticket,
 *    `startAfter`), or none when it is null. A changed policy (`policyFingerprint`) is just a
 *    recompute: targets apply from each cycle's start.
 */
export { alertKey, alertsDue, earliestDue, nextTimer, type SlaAlert } from './alerts.ts';
export { businessHours, calendarFor, calendarHours, type Calendar } from './calendar.ts';
export { computeSla, currentCycles, type AlertKind, type CycleState, type Mark, type SlaCycle, type SlaInput, type SlaState } from './clock.ts';
export { factFromMessage, type MessageForSla, type TicketFact } from './facts.ts';
export { DEFAULT_TARGETS, DEFAULT_WARN_AT, parseSlaPolicy, policyFingerprint, type ParsedSlaPolicy } from './policy.ts';
export {
  METRICS,
  PRIORITIES,
  STATUSES,
  type BusinessHours,
  type LadderStep,
  type OpeningInterval,
  type Metric,
  type Priority,
  type SlaPolicy,
  type Status,
  type Targets,
  type Weekday,
} from './types.ts';
