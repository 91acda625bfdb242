import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';
import { openUrgentTicket, sleep, urgentFirstReply, waitFor } from './engine-helpers.ts';

// Lateness is alert time minus due time: as recorded in sla_alerts (fired_at - due_at, the
// evaluation's moment) and as a reader sees it (first seen committed, polling every 10 ms).
// Timer jobs are set one poll ahead and wait for their moment, so both stay in the tens of
// milliseconds; the benchmark's target is p99 ≤ 1 s. Beside other test files on a shared
// machine, a few seconds is the line a regression would cross.
const TICKETS = 40;
const LIMIT_MS = 2_000;

let app: TestSwitchboard;
beforeAll(async () => {
  app = await startTestSwitchboard({ env: urgentFirstReply('3s') });
});
afterAll(() => app?.close());

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe('SLA timers', () => {
  it(`raise ${TICKETS * 2} warnings and breaches due over a few seconds within ${LIMIT_MS} ms of their due times`, async () => {
    // Watch the table as a reader would, from before the first ticket: an alert counts as
    // raised once its transaction has committed, which is when Slack's job for it can start.
    const seenAt = new Map<string, number>();
    const watching = waitFor(
      'every breach',
      async () => {
        const rows = await app.db.sql<{ key: string; dueAt: Date }[]>`select ticket_id || ':' || kind as key, due_at from sla_alerts`;
        const now = Date.now();
        for (const row of rows) if (!seenAt.has(row.key)) seenAt.set(row.key, now - row.dueAt.getTime());
        return rows.filter((r) => r.key.endsWith(':breach')).length === TICKETS;
      },
      30_000,
      10,
    );
    // Staggered over a few seconds, so marks fall due across many polls.
    for (let i = 0; i < TICKETS; i += 1) {
      await openUrgentTicket(app);
      await sleep(50);
    }
    await watching;
    const rows = await app.db.sql<{ latenessMs: number }[]>`
      select extract(epoch from (fired_at - due_at)) * 1000 as lateness_ms from sla_alerts order by 1`;
    const lateness = rows.map((r) => Number(r.latenessMs));
    const seen = [...seenAt.values()].sort((a, b) => a - b);
    const stats = (sorted: number[]) => ({ p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1)! });
    const report = { alerts: lateness.length, recorded: stats(lateness), committedAndSeen: stats(seen) };
    console.info(`SLA alert lateness (ms): ${JSON.stringify(report)}`);

    expect(lateness).toHaveLength(TICKETS * 2);
    expect(lateness[0]).toBeGreaterThanOrEqual(0); // never early
    expect(report.committedAndSeen.max).toBeLessThan(LIMIT_MS);
  });
});
