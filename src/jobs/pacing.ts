import type { Db } from '../db/index.ts';

/**
 * Pacing slots shared by every instance through Postgres, so a platform limit (Twilio's
 * messages per second per sender, Slack's one post per second per channel) is met before
 * the platform has to answer 429. Times are the database's, the one clock all instances share.
 */

export type Slot = { granted: true; waitMs: number } | { granted: false; waitMs: number };

/**
 * Slots are spaced this much wider than the platform's interval. A slot is exact on the
 * database's clock, but the request reaches the platform a few milliseconds later or earlier
 * than its slot says (the reply to the reservation, building the request, the network), and a
 * platform counting arrivals against a one-request bucket answers 429 to every send that lands
 * even a millisecond early. Measured with the Twilio emulator at 1 message/s per sender
 * (npm run bench -- --only pacing): exact spacing had a quarter of all sends refused; 5 % wider
 * keeps refusals under one in two hundred and gives up 5 % of the rate.
 */
export const PACING_MARGIN = 0.05;

/**
 * Reserves the next send slot for `key` when it is at most `maxWaitMs` away: the caller waits
 * `waitMs` and sends. Otherwise reserves nothing and says how long until the queue frees up,
 * so the caller can defer its job instead of holding a worker.
 */
export async function reserveSlot(db: Db, key: string, intervalMs: number, maxWaitMs: number): Promise<Slot> {
  const interval = (intervalMs * (1 + PACING_MARGIN)) / 1000;
  const [row] = await db<{ waitMs: number }[]>`
    insert into send_pacing as p (key, next_at) values (${key}, clock_timestamp() + make_interval(secs => ${interval}))
    on conflict (key) do update
      set next_at = greatest(p.next_at, clock_timestamp()) + make_interval(secs => ${interval})
      where p.next_at <= clock_timestamp() + make_interval(secs => ${maxWaitMs / 1000})
    returning greatest(0, extract(epoch from (p.next_at - make_interval(secs => ${interval}) - clock_timestamp())) * 1000)::float8 as wait_ms`;
  if (row) return { granted: true, waitMs: row.waitMs };
  const [busy] = await db<{ waitMs: number }[]>`
    select greatest(0, extract(epoch from (next_at - clock_timestamp())) * 1000)::float8 as wait_ms from send_pacing where key = ${key}`;
  return { granted: false, waitMs: busy?.waitMs ?? 0 };
}

/**
 * Takes the next slot for `key`: when it is at most `maxWaitMs` away, waits for it here and says
 * go; otherwise reserves nothing and says how long to defer the job (the queue frees up then).
 */
export async function takeSlot(db: Db, key: string, intervalMs: number, maxWaitMs: number): Promise<{ ready: true } | { ready: false; deferMs: number }> {
  const slot = await reserveSlot(db, key, intervalMs, maxWaitMs);
  if (!slot.granted) return { ready: false, deferMs: slot.waitMs };
  if (slot.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, slot.waitMs));
  return { ready: true };
}

/** Holds every sender of `key` back for `ms` after the platform answered 429 with Retry-After. */
export async function holdBack(db: Db, key: string, ms: number): Promise<void> {
  await db`
    insert into send_pacing as p (key, next_at) values (${key}, clock_timestamp() + make_interval(secs => ${ms / 1000}))
    on conflict (key) do update set next_at = greatest(p.next_at, excluded.next_at)`;
}
