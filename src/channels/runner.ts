import type { Sql } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { backoffDelay } from '../shared/backoff.ts';
import { releaseHold, takeHold } from './connections-sql.ts';
import type { ModuleSession } from './connections.ts';
import type { ConnectionInbound, Sink } from './contract.ts';

/** One module whose messages arrive over a connection this instance may hold. */
export interface ConnectionHolder {
  module: string;
  inbound: ConnectionInbound;
  session: ModuleSession;
}

export interface RunnerOptions {
  sql: Sql;
  logger: Logger;
  /** This instance's name, recorded as the holder. */
  instance: string;
  /** Called once this instance holds the module (before `start`), and after it let go. */
  onHeld?(module: string): Promise<void>;
  onReleased?(module: string): Promise<void>;
  /** Opens the session the module's advisory lock is held on (one per module). */
  lockSession(): Sql;
  /** How often a standby tries for the lock. */
  lockPollMs?: number;
}

// A standby tries for a free lock this often: a take-over happens within it of the holder's
// database session ending.
const LOCK_POLL_MS = 2_000;
// The holder checks its lock's session this often, and stops holding as soon as it is gone
// (another instance may take over the moment it is), so two instances overlap for at most this.
const WATCH_MS = 1_000;
// After a connection failed, start it again after 1 s, doubling to a minute, while holding on
// to the lock: a platform refusing us would refuse any instance.
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 60_000;
// A connection that does not stop this long after being told to is left behind at shutdown.
const STOP_GRACE_MS = 10_000;
const UNLOCK_TIMEOUT_MS = 2_000;

/**
 * Runs each connection holder on exactly one instance at a time: the one holding a
 * session-level Postgres advisory lock named after the module. If that instance dies (or its
 * database session ends), the lock frees and a standby takes over within LOCK_POLL_MS, under a
 * new epoch that fences the old holder's state writes. Resolves when `signal` aborts and every
 * connection has stopped.
 */
export async function runConnectionHolders(holders: readonly ConnectionHolder[], sink: Sink, options: RunnerOptions, signal: AbortSignal): Promise<void> {
  await Promise.all(holders.map((holder) => holdWhileLeader(holder, sink, options, signal)));
}

async function holdWhileLeader(holder: ConnectionHolder, sink: Sink, options: RunnerOptions, signal: AbortSignal): Promise<void> {
  const { sql } = options;
  const log = options.logger.child({ channelModule: holder.module });
  const key = `switchboard:channel:${holder.module}`;
  const poll = options.lockPollMs ?? LOCK_POLL_MS;
  // Its own session, not a pooled connection: a reserved postgres.js connection whose backend
  // was terminated throws from inside the driver on the next write.
  const session = options.lockSession();
  try {
    while (!signal.aborted) {
      let epoch: number | undefined;
      const lock: LockState = { pid: undefined, lost: false };
      try {
        const [row] = await session<{ locked: boolean; pid: number }[]>`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked, pg_backend_pid() as pid`;
        if (row?.locked) {
          lock.pid = row.pid;
          epoch = await takeHold(sql, holder.module, options.instance);
          holder.session.held(epoch);
          log.info({ epoch }, 'this instance now holds the connection');
          await hold(holder, sink, options, session, lock, signal, log);
        }
      } catch (error) {
        log.warn({ err: error }, 'connection lock failed');
      } finally {
        holder.session.released();
        await holder.session.settled();
        if (epoch !== undefined) {
          await releaseHold(sql, holder.module, epoch).catch(() => {});
          await options.onReleased?.(holder.module).catch((error: unknown) => log.error({ err: error }, 'release hook failed'));
          log.info({ epoch }, 'this instance no longer holds the connection');
        }
        // A lost session took the lock with it; otherwise unlock (ending the session would too).
        if (lock.pid !== undefined && !lock.lost) {
          await withTimeout(session`select pg_advisory_unlock(hashtextextended(${key}, 0))`, UNLOCK_TIMEOUT_MS).catch(() => {});
        }
      }
      if (!signal.aborted) await sleep(poll, signal);
    }
  } finally {
    await session.end({ timeout: 1 }).catch(() => {});
  }
}

interface LockState {
  /** The backend holding the lock: a different one answering means the session was replaced. */
  pid: number | undefined;
  lost: boolean;
}

/** Holds the connection until `signal` aborts or the lock's session is lost; restarts it when it fails. */
async function hold(
  holder: ConnectionHolder,
  sink: Sink,
  options: RunnerOptions,
  session: Sql,
  lock: LockState,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const lost = new AbortController();
  const onAbort = () => lost.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let checking = false;
  const letGo = (reason: unknown) => {
    lock.lost = true;
    if (!lost.signal.aborted) log.warn({ err: reason }, 'lost the connection lock; letting go');
    lost.abort();
  };
  const watch = setInterval(() => {
    if (checking || lock.lost) return;
    checking = true;
    withTimeout(session<{ pid: number }[]>`select pg_backend_pid() as pid`, WATCH_MS * 3)
      .then(([row]) => {
        if (row?.pid !== lock.pid) letGo(new Error(`the lock's database session ended (now on backend ${row?.pid})`));
      }, letGo)
      .finally(() => (checking = false));
  }, WATCH_MS);
  try {
    await options.onHeld?.(holder.module);
    let failures = 0;
    while (!lost.signal.aborted) {
      const run = new AbortController();
      const stopRun = () => run.abort();
      lost.signal.addEventListener('abort', stopRun, { once: true });
      try {
        await stoppable(holder.inbound.start(sink, run.signal), run.signal, STOP_GRACE_MS);
        failures = 0;
        if (!lost.signal.aborted) holder.session.report({ state: 'reconnecting', reason: 'the connection ended' });
      } catch (error) {
        if (lost.signal.aborted) break;
        failures += 1;
        const retryInMs = backoffDelay({ attempt: failures, baseMs: RESTART_MIN_MS, maxMs: RESTART_MAX_MS });
        log.error({ err: error, retryInMs }, 'connection failed; restarting');
        holder.session.report({ state: 'reconnecting', reason: (error as Error).message || 'the connection failed' });
        await sleep(retryInMs, lost.signal);
        continue;
      } finally {
        lost.signal.removeEventListener('abort', stopRun);
        run.abort();
      }
      await sleep(RESTART_MIN_MS, lost.signal);
    }
  } finally {
    clearInterval(watch);
    signal.removeEventListener('abort', onAbort);
    lost.abort();
  }
}

/** `work`, but given up on `graceMs` after `signal` aborts (a connection ignoring its signal). */
function stoppable(work: Promise<void>, signal: AbortSignal, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
