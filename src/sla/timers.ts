/**
 * SLA timers as pg-boss jobs: one waiting job per ticket, keyed by its id, at the next moment a
 * mark can fall due. Jobs are triggers; the moment owed lives in sla_tickets.timer_at and the
 * alerts in sla_alerts, so a job that runs twice, late, early or after a restart does no harm.
 */
import type { Db } from '../db/index.ts';
import { executor, QUEUES, type Jobs } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../shared/clock.ts';
import { change, type TicketContext } from '../tickets/index.ts';
import { evaluateTicket, type SlaEngine } from './engine.ts';
import { claimPolicyChange, findTimer, listOverdueTimers, listUnresolvedTicketIds } from './sla-sql.ts';

/** A timer job's data. `recompute`: evaluate whatever the stored moment says (a policy change). */
export interface TimerJob {
  ticketId: number;
  recompute?: boolean;
  /** Failed evaluations so far, for the handler's own backoff. */
  attempt?: number;
}

// pg-boss fetches higher priorities first: timers due now go ahead of a policy change's
// recompute jobs, which can number every open ticket at once.
const TIMER_PRIORITY = 1;
const RECOMPUTE_PRIORITY = 0;

// A job can run before the moment it was set for when the database's clock (which pg-boss
// compares `startAfter` with) is ahead of ours. Within this much the handler waits for the
// moment; beyond it, it puts the job back at the moment instead of holding a worker.
const EARLY_WAIT_MS = 1_000;

// A failing evaluation (a bug, a constraint) is retried by the handler at a growing interval so
// it neither spins nor makes pg-boss fail the batch it came in, which would delay the other
// tickets' alerts in that batch by pg-boss's retry delay.
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;

// Rows per statement when a policy change reschedules every open ticket.
const RECOMPUTE_CHUNK = 5_000;

// A timer this far past its moment has lost its job (retries exhausted, every instance down
// longer than pg-boss keeps waiting jobs): start-up sets it again.
const OVERDUE_MS = 60_000;

/** Upserts the ticket's one waiting job to run at `at` (engine clock time). */
export function timerScheduler(jobs: Jobs, clock: Clock): SlaEngine['schedule'] {
  return async (db, ticketId, at) => {
    await upsertTimer(jobs, db, { ticketId }, startAfterFor(clock, at));
  };
}

// pg-boss compares `startAfter` with the database's clock, `at` is on the engine's (a test may
// move it), so what goes to pg-boss is the distance from now.
function startAfterFor(clock: Clock, at: Date): Date {
  return new Date(Date.now() + Math.max(0, at.getTime() - clock.now()));
}

async function upsertTimer(jobs: Jobs, db: Db, data: TimerJob, startAfter: Date): Promise<void> {
  await jobs.boss.upsert(QUEUES.slaTimer, data, {
    singletonKey: String(data.ticketId),
    startAfter,
    priority: TIMER_PRIORITY,
    db: executor(db),
  });
}

export interface TimerDeps {
  engine: SlaEngine;
  tickets: TicketContext;
  jobs: Jobs;
  clock: Clock;
  logger: Logger;
}

/**
 * The timer job: re-reads the moment owed and, when it has come, evaluates the ticket in its
 * own change (alerts, escalation and events commit together). A moment moved later or cleared
 * since the job was set means there is nothing to do now.
 */
export async function runTimer(deps: TimerDeps, job: TimerJob): Promise<void> {
  const { tickets, clock } = deps;
  if (!job.recompute) {
    const timerAt = await findTimer(tickets.sql, job.ticketId);
    if (timerAt === null) return;
    const early = timerAt.getTime() - clock.now();
    if (early > EARLY_WAIT_MS) {
      await upsertTimer(deps.jobs, tickets.sql, { ticketId: job.ticketId }, startAfterFor(clock, timerAt));
      return;
    }
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
  }
  const evaluation = await change(tickets, (tx, record, at) => evaluateTicket(tx, deps.engine, job.ticketId, at, record));
  const raised = evaluation?.raised ?? [];
  if (raised.length > 0) {
    const lateness = raised.map((alert) => clock.now() - alert.at.getTime());
    deps.logger.info({ ticketId: job.ticketId, alerts: raised.map((a) => `${a.metric}:${a.cycle}:${a.kind}`), latenessMs: lateness }, 'SLA alerts raised');
  }
}

/** Registers the timer worker. Each job is handled alone: a failure reschedules only that ticket. */
export async function workTimers(deps: TimerDeps, options: { batchSize: number; localConcurrency: number }): Promise<void> {
  await deps.jobs.work<TimerJob>(
    QUEUES.slaTimer,
    // A full batch means more is due: fetch again at once instead of after the poll interval,
    // so a burst of timers due together is drained, not paced at one batch per poll.
    { ...options, burstWhenBatchFull: true },
    async (job) => {
      try {
        await runTimer(deps, job.data);
      } catch (error) {
        const attempt = (job.data.attempt ?? 0) + 1;
        const delayMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1));
        deps.logger.error({ err: error, ticketId: job.data.ticketId, attempt, retryInMs: delayMs }, 'SLA evaluation failed; will retry');
        await upsertTimer(deps.jobs, deps.tickets.sql, { ...job.data, attempt }, new Date(Date.now() + delayMs));
      }
    },
  );
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
      const ids = await listUnresolvedTicketIds(tx, after, RECOMPUTE_CHUNK);
      if (ids.length === 0) return count;
      const jobs = ids.map((ticketId) => ({ data: { ticketId, recompute: true } satisfies TimerJob, priority: RECOMPUTE_PRIORITY }));
      await deps.jobs.boss.insert(QUEUES.slaTimer, jobs, { db: executor(tx) });
      count += ids.length;
      after = ids.at(-1)!;
    }
  });
}

/** At start-up: sets again the timers whose moment passed long ago without their job running. */
export async function rescueOverdueTimers(deps: Pick<TimerDeps, 'tickets' | 'jobs' | 'clock'>): Promise<number> {
  const ids = await listOverdueTimers(deps.tickets.sql, new Date(deps.clock.now() - OVERDUE_MS), RECOMPUTE_CHUNK);
  for (const ticketId of ids) await upsertTimer(deps.jobs, deps.tickets.sql, { ticketId }, new Date());
  return ids.length;
}
