/**
 * One thread of `setTimersLikeIntake` (timers.ts): evaluates its share of the backlog tickets
 * with the engine's own code and reports each finished chunk to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '../../../src/db/index.ts';
import { createJobs } from '../../../src/jobs/index.ts';
import { createLogger } from '../../../src/log.ts';
import { systemClock } from '../../../src/shared/clock.ts';
import { EnvReader } from '../../../src/shared/env.ts';
import { calendarFor, evaluateTicket, parseSlaPolicy, type SlaEngine } from '../../../src/sla/index.ts';
import { timerScheduler } from '../../../src/sla/timers.ts';

export interface TimersWork {
  url: string;
  env: Record<string, string>;
  ticketIds: number[];
}

/** Progress after each chunk (`done`), then the end (`timers`), or the failure. */
export type TimersMessage = { done: number } | { timers: number } | { error: string };

// Tickets per transaction, and transactions at once per thread.
const CHUNK = 500;
const LANES = 2;

const { url, env, ticketIds } = workerData as TimersWork;
const post = (message: TimersMessage) => parentPort!.postMessage(message);

const policy = parseSlaPolicy(new EnvReader(env));
const sql = connect(url, LANES);
const jobs = createJobs({ url, logger: createLogger('silent'), poolSize: 1, maintenance: false });
try {
  await jobs.start();
  const engine: SlaEngine = { policy, calendar: calendarFor(policy), schedule: timerScheduler(jobs, systemClock) };
  let next = 0;
  let timers = 0;
  const lane = async () => {
    while (next < ticketIds.length) {
      const chunk = ticketIds.slice(next, (next += CHUNK));
      const evaluations = await sql.begin((tx) => Promise.all(chunk.map((id) => evaluateTicket(tx, engine, id, new Date(systemClock.now())))));
      timers += evaluations.filter((e) => e?.timerAt).length;
      post({ done: chunk.length });
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  post({ timers });
} catch (error) {
  post({ error: (error as Error).stack ?? String(error) });
} finally {
  await jobs.stop();
  await sql.end();
}
