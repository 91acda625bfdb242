/**
 * The SLA engine as a core module: an observer that re-evaluates a ticket whenever a fact about
 * it changes (inside that change's transaction, so its timer moves with it), the timer worker,
 * and the start-up passes for a changed policy and lost timers.
 */
import type { ModuleFactory } from '../modules.ts';
import type { Tx } from '../db/index.ts';
import type { EventKind, TicketEvent } from '../tickets/index.ts';
import { calendarFor } from './calendar.ts';
import { evaluateTicket, type SlaEngine } from './engine.ts';
import { policyFingerprint } from './policy.ts';
import { isUnscoped, scopedPolicies } from './scopes.ts';
import { previousPublicDirection } from './sla-sql.ts';
import { rescheduleForPolicy, rescueOverdueTimers, retryEvaluation, timerScheduler, workTimers, type TimerDeps } from './timers.ts';

// Sized for many timers due together (the benchmark keeps 100,000 waiting): two workers per
// instance, each taking up to 50 jobs whose lead has begun per fetch, and fetching again at
// once while batches come back full. One evaluation is a handful of indexed statements (a few
// ms), so a full batch runs in a fraction of the half-second lead and a worker drains hundreds
// of timers a second; a second worker fetches while the first waits out its moments.
const WORKERS = 2;
const BATCH_SIZE = 50;

// A delivery report counts too: a reply the platform only queued at first counts once it is
// reported sent, and one reported failed stops counting.
// A team move or a contact's new tags change which targets apply (switchboard.yml's teams and
// `sla.tags`).
const FACT_KINDS = new Set<EventKind>(['created', 'status', 'priority', 'reply-sent', 'delivery', 'team-moved', 'contact-updated']);

/** Whether an event may change what the SLA clock knows about its ticket. */
function changesFacts(event: TicketEvent): boolean {
  return FACT_KINDS.has(event.kind) || (event.kind === 'message' && event.data.direction === 'inbound');
}

/**
 * The tickets whose SLA this change really moves. A customer message matters to the clock only
 * when it follows an agent's reply (it starts a next-reply cycle); status changes it causes
 * come as their own events. So a customer writing several times in a row re-evaluates once,
 * not once per line over an ever longer history.
 */
async function ticketsToEvaluate(tx: Tx, events: readonly TicketEvent[]): Promise<number[]> {
  const relevant = events.filter(changesFacts);
  const always = new Set(relevant.filter((e) => e.kind !== 'message').map((e) => e.ticketId));
  const candidates = new Map<number, string>();
  for (const e of relevant) if (e.kind === 'message' && !always.has(e.ticketId) && !candidates.has(e.ticketId)) candidates.set(e.ticketId, String(e.data.messageId));
  for (const [ticketId, messageId] of candidates) {
    if ((await previousPublicDirection(tx, messageId)) !== 'inbound') always.add(ticketId);
  }
  // Ascending ids: two changes touching the same tickets lock them in the same order.
  return [...always].sort((a, b) => a - b);
}

/** Creates the SLA module (product.md §5). */
export const slaModule: ModuleFactory = (deps) => {
  const policy = deps.config.sla;
  const scopes = deps.config.slaScopes;
  const engine: SlaEngine = {
    policy,
    calendar: calendarFor(policy),
    ...(isUnscoped(scopes) ? {} : { scoped: scopedPolicies(policy, scopes) }),
    schedule: timerScheduler(deps.jobs, deps.clock),
  };
  const timerDeps: TimerDeps = { engine, tickets: deps.tickets.context, jobs: deps.jobs, clock: deps.clock, logger: deps.logger };
  return {
    name: 'sla',
    async observer(tx, events) {
      for (const id of await ticketsToEvaluate(tx, events)) {
        try {
          // In a savepoint: a failing evaluation costs the ticket its SLA update for now, never
          // the change it observes (a customer's message, a sent reply).
          await tx.savepoint((savepoint) => evaluateTicket(savepoint, engine, id, new Date(deps.clock.now())));
        } catch (error) {
          deps.logger.error({ err: error, ticketId: id }, 'SLA evaluation failed; the timer worker retries it');
          await retryEvaluation(deps.jobs, tx, id);
        }
      }
    },
    async start() {
      await workTimers(timerDeps, { batchSize: BATCH_SIZE, localConcurrency: WORKERS });
      const fingerprint = policyFingerprint(policy, scopes);
      const recompute = await rescheduleForPolicy(timerDeps, fingerprint);
      if (recompute > 0) deps.logger.info({ fingerprint, tickets: recompute }, 'SLA policy changed: recomputing open tickets');
      const rescued = await rescueOverdueTimers(timerDeps);
      if (rescued > 0) deps.logger.warn({ tickets: rescued }, 'SLA timers long overdue: recomputing their tickets');
    },
  };
};
