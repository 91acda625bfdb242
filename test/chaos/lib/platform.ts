/**
 * The platforms' side of a chaos run: messages sent at a steady rate, each retried as the
 * platform would (Twilio, Telegram and a well-behaved API client all deliver again until they
 * get a 2xx), so what was acknowledged and what was sent twice are known exactly.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Delivery {
  /** Message indexes that got a 2xx. */
  acked: Set<number>;
  /** When each was first acknowledged (epoch ms). */
  ackedAt: Map<number, number>;
  /** Requests sent, retries included. */
  attempts: number;
  /** Non-2xx answers by status (0: no answer: refused connection, reset, timeout). */
  statuses: Map<number, number>;
  /** Indexes never acknowledged before the deadline. */
  unacked: number[];
}

export interface DeliverOptions {
  count: number;
  ratePerSecond: number;
  /** Sends message i once; resolves with the HTTP status (throwing counts as no answer). */
  send(i: number): Promise<number>;
  /** Retrying stops here (epoch ms); what is unacknowledged then is reported, not lost. */
  giveUpAt: () => number;
  /** How many requests may be in flight at once (a platform's connection pool). */
  maxInFlight?: number;
}

export async function deliverAll(options: DeliverOptions): Promise<Delivery> {
  const result: Delivery = { acked: new Set(), ackedAt: new Map(), attempts: 0, statuses: new Map(), unacked: [] };
  const started = Date.now();
  let inFlight = 0;
  const slots: (() => void)[] = [];
  const acquire = async () => {
    while (inFlight >= (options.maxInFlight ?? 32)) await new Promise<void>((resolve) => slots.push(resolve));
    inFlight += 1;
  };
  const release = () => {
    inFlight -= 1;
    slots.shift()?.();
  };
  const one = async (i: number) => {
    await sleep(Math.max(0, started + (i * 1000) / options.ratePerSecond - Date.now()));
    for (let attempt = 0; ; attempt++) {
      await acquire();
      let status = 0;
      try {
        status = await options.send(i);
      } catch {
        status = 0;
      } finally {
        release();
      }
      result.attempts += 1;
      if (status >= 200 && status < 300) {
        result.acked.add(i);
        result.ackedAt.set(i, Date.now());
        return;
      }
      result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
      if (Date.now() > options.giveUpAt()) {
        result.unacked.push(i);
        return;
      }
      await sleep(Math.min(2_000, 200 * 2 ** Math.min(attempt, 4)));
    }
  };
  await Promise.all(Array.from({ length: options.count }, (_, i) => one(i)));
  return result;
}

/** POSTs and returns the status, the body drained; a 30 s timeout counts as no answer. */
export async function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer();
  return response.status;
}

export function statusSummary(statuses: Map<number, number>): string {
  return [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s === 0 ? 'no answer' : s}×${n}`).join(', ') || 'none';
}
