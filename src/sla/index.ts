/**
 * The SLA engine (product.md §5). The pure core (policy, calendar, clock, alerts, facts) has no
 * database, no Slack and no wall clock; the engine wires it:
 * 1. At start-up `parseSlaPolicy(reader)` (problems go into the one `ConfigError`, src/config.ts)
 *    and `calendarFor(policy)`; `slaModule` is in `CORE_MODULES` (src/app.ts).
 * 2. Whenever a ticket's facts change (customer message, reply sent, status, priority) its
 *    observer re-evaluates the ticket inside that change (`evaluateTicket`, engine.ts): facts
 *    from stored events and messages (`factFromMessage`), `computeSla`, summary columns on
 *    tickets, targets and timer moment in sla_tickets.
 * 3. One pg-boss job per ticket at `nextTimer(state)` (upserted by ticket id, timers.ts). When it
 *    runs it records each of `alertsDue(state)` by key in sla_alerts (ON CONFLICT DO NOTHING)
 *    and, for the ones it recorded, raises the escalation and records `sla-*` events in the
 *    same change, which Slack renders.
 * 4. A changed policy (`policyFingerprint`) is a recompute of every open ticket, once, at
 *    start-up: targets apply from each cycle's start.
 */
export { alertKey, alertsDue, earliestDue, nextTimer, type SlaAlert } from './alerts.ts';
export { businessHours, calendarFor, calendarHours, type Calendar } from './calendar.ts';
export { computeSla, currentCycles, type AlertKind, type CycleState, type Mark, type SlaCycle, type SlaInput, type SlaState } from './clock.ts';
export { factFromMessage, type MessageForSla, type TicketFact } from './facts.ts';
export { DEFAULT_TARGETS, DEFAULT_WARN_AT, parseSlaPolicy, policyFingerprint } from './policy.ts';
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
export { slaModule } from './module.ts';
export { evaluateTicket, type Evaluation, type SlaEngine } from './engine.ts';
export { findSlaTargets, type SlaTarget } from './sla-sql.ts';
