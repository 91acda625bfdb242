/**
 * Watches sla_alerts as a reader would: an alert counts as raised once its transaction has
 * committed (that is when its `sla-*` event exists for Slack's job to post), so each alert's
 * lateness is measured from its due time to the first poll that sees it. A poll sees rows
 * committed before it began, so its start time is when they were seen; the error is at most
 * one poll interval.
 */
import type { Sql } from 'postgres';
import { sleep } from '../lib/bench.ts';

export interface SeenAlert {
  ticketId: number;
  /** `metric:cycle:kind`. */
  alert: string;
  dueAt: number;
  /** When the engine recorded it (the evaluation's moment, before its commit). */
  firedAt: number;
  /** The start of the first poll that saw it committed. */
  seenAt: number;
}

export interface AlertWatch {
  seen: ReadonlyMap<string, SeenAlert>;
  stop(): Promise<void>;
}

// Rows fired this long before a poll are still read by it, so an alert whose transaction
// commits long after its evaluation began is not missed; the table holds only the sample's.
const HORIZON_MS = 60_000;

/** Polls sla_alerts every `everyMs` until stopped. */
export function watchAlerts(sql: Sql, everyMs: number): AlertWatch {
  const seen = new Map<string, SeenAlert>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const pollAt = Date.now();
      const rows = await sql<{ ticketId: number; alert: string; dueAt: Date; firedAt: Date }[]>`
        select ticket_id, metric || ':' || cycle || ':' || kind as alert, due_at, fired_at
        from sla_alerts where fired_at >= ${new Date(pollAt - HORIZON_MS)}`;
      for (const row of rows) {
        const key = `${row.ticketId}:${row.alert}`;
        if (!seen.has(key)) seen.set(key, { ticketId: row.ticketId, alert: row.alert, dueAt: row.dueAt.getTime(), firedAt: row.firedAt.getTime(), seenAt: pollAt });
      }
      await sleep(Math.max(0, pollAt + everyMs - Date.now()));
    }
  })();
  loop.catch(() => {}); // surfaced by stop()
  return {
    seen,
    async stop() {
      running = false;
      await loop;
    },
  };
}
