import type { Sql } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { Channel, Sink } from './contract.ts';

/** How often a standby instance tries for the lock, and the leader checks it still holds it. */
const LOCK_POLL_MS = 5_000;
/** Pause before restarting a connection that failed, doubling up to the maximum. */
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 60_000;

/**
 * Runs each connection-holding channel (`start`) on exactly one instance at a time: the one
 * holding a session-level Postgres advisory lock named after the channel. If that instance
 * dies, its session ends, the lock frees and a standby takes over within LOCK_POLL_MS.
 * Resolves when `signal` aborts and every connection has stopped.
 */
export async function runConnectionHolders(channels: Iterable<Channel>, sink: Sink, sql: Sql, logger: Logger, signal: AbortSignal): Promise<void> {
  const holders = [...channels].filter((c) => c.start);
  await Promise.all(holders.map((channel) => holdWhileLeader(channel, sink, sql, logger.child({ channel: channel.name }), signal)));
}

async function holdWhileLeader(channel: Channel, sink: Sink, sql: Sql, log: Logger, signal: AbortSignal): Promise<void> {
  const key = `switchboard:channel:${channel.name}`;
  let restartDelay = RESTART_MIN_MS;
  while (!signal.aborted) {
    const connection = await sql.reserve().catch((error: unknown) => {
      log.warn({ err: error }, 'cannot reach the database for the channel lock');
      return undefined;
    });
    if (!connection) {
      await sleep(LOCK_POLL_MS, signal);
      continue;
    }
    try {
      const [row] = await connection<{ locked: boolean }[]>`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as locked`;
      if (!row?.locked) {
        await sleep(LOCK_POLL_MS, signal);
        continue;
      }
      log.info('this instance now holds the connection');
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      // Losing the lock's session means another instance may take over: stop at once.
      const watch = setInterval(() => {
        connection`select 1`.catch(() => stop.abort());
      }, LOCK_POLL_MS);
      try {
        await channel.start!(sink, stop.signal);
        restartDelay = RESTART_MIN_MS;
      } catch (error) {
        if (!stop.signal.aborted) log.error({ err: error, retryInMs: restartDelay }, 'connection failed; restarting');
      } finally {
        clearInterval(watch);
        signal.removeEventListener('abort', onAbort);
        stop.abort();
        await connection`select pg_advisory_unlock(hashtextextended(${key}, 0))`.catch(() => {});
      }
      if (!signal.aborted) {
        await sleep(restartDelay, signal);
        restartDelay = Math.min(RESTART_MAX_MS, restartDelay * 2);
      }
    } catch (error) {
      log.warn({ err: error }, 'channel lock check failed');
      await sleep(LOCK_POLL_MS, signal);
    } finally {
      connection.release();
    }
  }
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
