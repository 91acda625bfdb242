/**
 * Gives the backlog tickets their SLA timers with the engine's own code, in this process: the
 * evaluation the SLA observer runs inside a change (`evaluateTicket` without `record`,
 * src/sla/engine.ts), over the app's pg-boss queue through `timerScheduler`, with the policy
 * parsed from the same SLA_* variables the app gets. Each ticket ends as if intake's
 * transaction had evaluated it: summary columns, sla_tickets, one `sla.timer` job upserted by
 * ticket id.
 *
 * The only liberties are batching and threads: many tickets' evaluations share a transaction
 * and are pipelined on its connection, where intake would give each its own, and two worker
 * threads share the work (the client's socket writes are most of the cost). The statements
 * and the rows they leave are the same.
 */
import { Worker } from 'node:worker_threads';
import postgres from 'postgres';
import { EnvReader } from '../../../src/shared/env.ts';
import { parseSlaPolicy } from '../../../src/sla/index.ts';
import type { TimersMessage, TimersWork } from './timers-worker.ts';

const THREADS = 2;

// Autovacuum analyses a table that grows by a tenth; here it grows from nothing within a
// couple of minutes, faster than autovacuum looks, and the plans cached on the connections
// (pg-boss's upsert first of all) would go on treating the job table as empty: its key lookup
// becomes a walk over every job. Over the hours these tickets would really have taken to
// arrive, the statistics would have kept up, so keep them up here.
const FIRST_ANALYZE = 2_000;
const ANALYZE_EVERY = 10_000;

/** Evaluates every ticket in `ticketIds` as intake's SLA observer would; returns how many got a timer. */
export async function setTimersLikeIntake(url: string, env: Record<string, string>, ticketIds: readonly number[], onProgress: (done: number) => void): Promise<number> {
  const reader = new EnvReader(env);
  parseSlaPolicy(reader);
  if (reader.problems.length > 0) throw new Error(`SLA policy: ${JSON.stringify(reader.problems)}`);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let done = 0;
  let analysed = 0;
  let analysing = Promise.resolve();
  const share = Math.ceil(ticketIds.length / THREADS);
  try {
    const counts = await Promise.all(
      Array.from({ length: THREADS }, (_, i) => {
        const work: TimersWork = { url, env, ticketIds: ticketIds.slice(i * share, (i + 1) * share) };
        const worker = new Worker(new URL('./timers-worker.ts', import.meta.url), { workerData: work });
        return new Promise<number>((resolve, reject) => {
          worker.on('error', reject);
          worker.on('exit', (code) => reject(new Error(`timer thread exited (${code}) before finishing`)));
          worker.on('message', (message: TimersMessage) => {
            if ('error' in message) return reject(new Error(message.error));
            if ('timers' in message) return resolve(message.timers);
            done += message.done;
            onProgress(done);
            if (done - analysed >= (analysed === 0 ? FIRST_ANALYZE : ANALYZE_EVERY)) {
              analysed = done;
              analysing = analysing.then(async () => {
                await sql`analyze pgboss.job, sla_tickets, tickets`;
              });
            }
          });
        });
      }),
    );
    await analysing;
    return counts.reduce((a, b) => a + b, 0);
  } finally {
    await analysing.catch(() => {});
    await sql.end();
  }
}
