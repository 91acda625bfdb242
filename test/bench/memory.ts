/**
 * Resident memory of the app after 10,000 and after 100,000 messages through its HTTP intake
 * (the ingest benchmark's mix: one in five a new customer's first message, so 20,000 open
 * tickets and their SLA timers by the end). Memory that grows with the messages stored, rather
 * than with the work in flight, shows as the difference between the two.
 */
import { startBenchApp } from './lib/app.ts';
import type { Bench } from './lib/bench.ts';
import { closedLoop } from './lib/load.ts';
import { round, type Row } from './lib/stats.ts';
import { mixTarget } from './ingest.ts';

const CONCURRENCY = 32;

export const memoryBench: Bench = {
  name: 'memory',
  about: 'resident memory of the app after 10,000 and 100,000 ingested messages',
  async run(ctx) {
    const marks = ctx.quick ? [2_000, 10_000] : [10_000, 100_000];
    const db = await ctx.pg.createDatabase('memory');
    const app = await startBenchApp(db.url);
    try {
      const started = await app.rssMb();
      const target = mixTarget(app, 'memory');
      const rss: number[] = [];
      let sent = 0;
      for (const mark of marks) {
        ctx.progress(`memory: ingesting up to ${mark.toLocaleString('en')} messages`);
        const began = Date.now();
        const outcome = await closedLoop(target, { concurrency: CONCURRENCY, count: mark - sent, first: sent });
        if (outcome.failed > 0) throw new Error(`requests failed: ${outcome.firstFailure}`);
        sent += outcome.sent;
        rss.push(await app.rssMb());
        ctx.progress(`memory: ${sent.toLocaleString('en')} messages (${round((outcome.ok / (Date.now() - began)) * 1000)}/s), RSS ${round(rss.at(-1)!)} MiB`);
      }
      const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
      const note = ctx.quick ? ` (--quick: after ${label(marks[0]!)} and ${label(marks[1]!)})` : '';
      return [
        { name: 'rss_mb_10k', value: round(rss[0]!), unit: 'MiB', note: `VmRSS of the app process; ${round(started)} MiB at start${note}` },
        { name: 'rss_mb_100k', value: round(rss[1]!), unit: 'MiB', note: `same process, ${target.senders(sent).toLocaleString('en')} tickets open by then${note}` },
      ] satisfies Row[];
    } finally {
      await app.stop();
      await db.drop();
    }
  },
};
