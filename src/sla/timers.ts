/**
 * SLA timers as pg-boss jobs: one waiting job per ticket, keyed by its id, set a little before
 * the next moment a mark can fall due. Jobs are triggers; the moment owed lives in
 * sla_tickets.timer_at and the alerts in sla_alerts, so a job that runs twice, late, early or
 * after a restart does no harm.
 */
import type { Job } from 'pg-boss';
import type { Db } from '../db/index.ts';
import { executor, QUEUES, type Jobs } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import { backoffDelay } from '../shared/backoff.ts';
import type { Clock } from '../shared/clock.ts';
import { change, type TicketContext } from '../tickets/index.ts';
import { evaluateTicket, type SlaEngine } from './engine.ts';
import { claimPolicyChange, findTimers, listOverdueTimers, listUnresolvedTicketIds } from './sla-sql.ts';

/**
 * A timer job's data. `recompute`: evaluate now, whatever moment is stored (a policy change, a
 * lost timer, an evaluation that failed inside a change).
 */
export interface TimerJob {
  ticketId: number;
  recompute?: boolean;
  /** Failed evaluations so far, for the handler's own backoff. */
  attempt?: number;
}

// pg-boss finds a deferred job only when a worker polls (NOTIFY fires for new jobs, not for a
// `startAfter` that arrives), so a job set for the moment itself runs up to a poll late. Set
// one poll early, it is fetched by the moment and the worker waits out the rest: lateness is
// then the evaluation, not the poll. 0.5 s is the shortest poll pg-boss allows.
const POLL_SECONDS = 0.5;
const LEAD_MS = POLL_SECONDS * 1_000;

// A job can also run early because the database's clock (which pg-boss compares `startAfter`
// with) is ahead of ours. Within this much beyond the lead the worker still waits; further out
// it sets the job again instead of holding a worker.
const SKEW_MS = 1_000;

// pg-boss fetches higher priorities first: timers go ahead of a policy change's recompute
// jobs, which can number every open ticket at once.
const TIMER_PRIORITY = 1;
const RECOMPUTE_PRIORITY = 0;

// A failing evaluation (a bug, a constraint) is retried by the worker at a growing interval so
// it neither spins nor fails the batch it came in, which would hold back the other tickets'
// alerts in that batch by pg-boss's retry delay.
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;

// Rows per statement when a policy change reschedules every open ticket, and per start-up
// pass over lost timers.
const CHUNK = 5_000;

// A timer this far past its moment has lost its job (retries exhausted, every instance down
// longer than pg-boss keeps waiting jobs): start-up recomputes its ticket.
const OVERDUE_MS = 60_000;

/** Upserts the ticket's one waiting job for the moment `at` (engine clock time). */
export function timerScheduler(jobs: Jobs, clock: Clock): SlaEngine['schedule'] {
  return (db, ticketId, at) => upsertTimer(jobs, db, { ticketId }, startAfterFor(clock, at));
}

// pg-boss compares `startAfter` with the database's clock and `at` is on the engine's (a test
// may move it), so what goes to pg-boss is the distance from now, less the lead.
function startAfterFor(clock: Clock, at: Date): Date {
  return new Date(Date.now() + Math.max(0, at.getTime() - LEAD_MS - clock.now()));
}

async function upsertTimer(jobs: Jobs, db: Db, data: TimerJob, startAfter: Date): Promise<void> {
  await jobs.boss.upsert(QUEUES.slaTimer, data, { singletonKey: String(data.ticketId), startAfter, priority: TIMER_PRIORITY, db: executor(db) });
}

export interface TimerDeps {
  engine: SlaEngine;
  tickets: TicketContext;
  jobs: Jobs;
  clock: Clock;
  logger: Logger;
}

/** Registers the timer workers: each fetch is a batch, run soonest moment first. */
export async function workTimers(deps: TimerDeps, options: { batchSize: number; localConcurrency: number }): Promise<void> {
  // Straight on pg-boss rather than `jobs.work`, which runs a batch in fetch order and fails it
  // whole on a throw: here a batch is sorted by moment and each job fails alone.
  await deps.jobs.boss.work<TimerJob>(
    QUEUES.slaTimer,
    {
      ...options,
      pollingIntervalSeconds: POLL_SECONDS,
      notifyPollingIntervalSeconds: POLL_SECONDS,
      // A full batch means more is due: fetch again at once rather than after a poll.
      burstWhenBatchFull: true,
    },
    (jobs: Job<TimerJob>[]) => runTimers(deps, jobs.map((job) => job.data)),
  );
}

/**
 * Runs a batch of timer jobs: re-reads the moments owed, drops jobs whose ticket owes none (it
 * was answered, paused, resolved), and evaluates each ticket at its moment, soonest first, in
 * its own change (alerts, escalation and events commit together).
 */
export async function runTimers(deps: TimerDeps, jobs: readonly TimerJob[]): Promise<void> {
  const { clock, tickets } = deps;
  const byTicket = new Map<number, TimerJob>();
  for (const job of jobs) if (!byTicket.get(job.ticketId)?.recompute) byTicket.set(job.ticketId, job);
  const moments = await findTimers(tickets.sql, [...byTicket.keys()]);
  const plan = [...byTicket.values()]
    .flatMap((job) => {
      const at = job.recompute ? new Date(clock.now()) : moments.get(job.ticketId);
      return at ? [{ job, at }] : [];
    })
    .sort((a, b) => a.at.getTime() - b.at.getTime());

  for (const { job, at } of plan) {
    try {
      if (at.getTime() - clock.now() > LEAD_MS + SKEW_MS) {
        await upsertTimer(deps.jobs, tickets.sql, { ticketId: job.ticketId }, startAfterFor(clock, at));
        continue;
      }
      await waitUntil(clock, at);
      const evaluation = await change(tickets, (tx, record, now) => evaluateTicket(tx, deps.engine, job.ticketId, now, record));
      const raised = evaluation?.raised ?? [];
      if (raised.length > 0) {
        const alerts = raised.map((a) => ({ alert: `${a.metric}:${a.cycle}:${a.kind}`, latenessMs: clock.now() - a.at.getTime() }));
        deps.logger.info({ ticketId: job.ticketId, alerts }, 'SLA alerts raised');
      }
    } catch (error) {
      const attempt = (job.attempt ?? 0) + 1;
      const delayMs = backoffDelay({ attempt, baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS });
      deps.logger.error({ err: error, ticketId: job.ticketId, attempt, retryInMs: delayMs }, 'SLA evaluation failed; will retry');
      // If even this fails (the database is gone), the throw fails the batch and pg-boss retries it.
      await upsertTimer(deps.jobs, tickets.sql, { ...job, attempt }, new Date(Date.now() + delayMs));
    }
  }
}

/**
 * Sleeps until `clock` reads `at`: Node may wake a timer a millisecond early, and an evaluation
 * a millisecond before the mark finds nothing due. A few rounds at most, since a clock a test
 * holds still never gets there.
 */
async function waitUntil(clock: Clock, at: Date): Promise<void> {
  for (let round = 0, left = at.getTime() - clock.now(); round < 3 && left > 0; round += 1, left = at.getTime() - clock.now()) {
    await new Promise((resolve) => setTimeout(resolve, left));
  }
}

/**
 * At start-up: when the policy differs from the one stored, one instance (the one that stores
 * the new fingerprint) enqueues a recompute job for every unresolved ticket, in the same
 * transaction, so a crash leaves either both or neither. Returns how many it enqueued.
 */
export async function rescheduleForPolicy(deps: Pick<TimerDeps, 'tickets' | 'jobs' | 'clock'>, fingerprint: string): Promise<number> {
  return deps.tickets.sql.begin(async (tx) => {
    if (!(await claimPolicyChange(tx, fingerprint, new Date(deps.clock.now())))) return 0;
    let count = 0;
    for (let after = 0; ; ) {
      const ids = await listUnresolvedTicketIds(tx, after, CHUNK);
      if (ids.length === 0) return count;
      await enqueueRecompute(deps.jobs, tx, ids);
      count += ids.length;
      after = ids.at(-1)!;
    }
  });
}

/**
 * At start-up: recomputes the tickets whose timer moment passed long ago without their job
 * running. A ticket whose job is merely late runs twice, which the alert keys make harmless.
 */
export async function rescueOverdueTimers(deps: Pick<TimerDeps, 'tickets' | 'jobs' | 'clock'>): Promise<number> {
  const ids = await listOverdueTimers(deps.tickets.sql, new Date(deps.clock.now() - OVERDUE_MS), CHUNK);
  if (ids.length > 0) await enqueueRecompute(deps.jobs, deps.tickets.sql, ids);
  return ids.length;
}

/** Has the timer worker evaluate a ticket whose evaluation inside a change just failed. */
export async function retryEvaluation(jobs: Jobs, db: Db, ticketId: number): Promise<void> {
  await enqueueRecompute(jobs, db, [ticketId], { attempt: 1, startAfter: new Date(Date.now() + RETRY_BASE_MS) });
}

/** One statement of recompute jobs, keyless so they never displace a ticket's timer. */
async function enqueueRecompute(jobs: Jobs, db: Db, ticketIds: readonly number[], retry?: { attempt: number; startAfter: Date }): Promise<void> {
  const batch = ticketIds.map((ticketId) => ({
    data: { ticketId, recompute: true, ...(retry ? { attempt: retry.attempt } : {}) } satisfies TimerJob,
    priority: RECOMPUTE_PRIORITY,
    ...(retry ? { startAfter: retry.startAfter } : {}),
  }));
  await jobs.boss.insert(QUEUES.slaTimer, batch, { db: executor(db) });
}
