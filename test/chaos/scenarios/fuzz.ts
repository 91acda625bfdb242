/**
 * Hostile input against a real process: CHAOS_FUZZ_RUNS (default 10,000) generated requests per
 * public endpoint (test/fuzz), each checked against the database: no 5xx and no crash, nothing
 * stored for a refused request, an accepted one stored once when sent again.
 */
import type { Row } from '../../bench/lib/stats.ts';
import { startFuzzDesk } from '../../fuzz/desk.ts';
import { FUZZ_ENDPOINTS } from '../../fuzz/endpoints.ts';
import { fuzzEndpoints } from '../../fuzz/run.ts';
import { chaosApp, CHAOS_API_TOKEN } from '../lib/app.ts';
import { connectLedger } from '../lib/ledger.ts';
import type { Scenario } from '../lib/scenario.ts';

export const fuzzScenario: Scenario = {
  name: 'fuzz',
  about: 'generated hostile requests to every public endpoint of a running process',
  async run(ctx) {
    const runs = Number(process.env.CHAOS_FUZZ_RUNS ?? (ctx.quick ? 300 : 10_000));
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const dbUrl = await ctx.cluster.createDatabase(`chaos_fuzz_${process.pid}`);
    const sql = connectLedger(dbUrl);
    const desk = await startFuzzDesk();
    const app = await chaosApp({ ...desk.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'info' }, { name: 'fuzz' });
    try {
      await app.start();
      desk.serve(app.url);
      ctx.progress(`fuzz: ${runs} requests per endpoint, seed ${seed} (FUZZ_SEED=${seed} repeats it)`);
      const started = Date.now();
      const outcomes = await fuzzEndpoints(FUZZ_ENDPOINTS, {
        baseUrl: app.url,
        sql,
        secrets: desk.secrets(CHAOS_API_TOKEN),
        runs,
        seed,
        onDone: (o) => ctx.progress(`fuzz: ${o.endpoint}: ${o.requests} requests (${o.accepted} accepted, ${o.refused} refused), ${o.serverErrors} 5xx, ${o.storedForRefused} stored for a refused one, ${o.storedTwice} stored twice`),
      });
      const alive = app.current()?.child.exitCode === null;
      for (const o of outcomes) for (const failure of o.failures) ctx.progress(`fuzz FAILURE ${failure}`);
      const rows: Row[] = outcomes.flatMap((o) => [
        { name: `chaos_fuzz_${o.endpoint.replaceAll('-', '_')}_requests`, value: o.requests, unit: 'requests', goal: { op: '>=' as const, target: runs }, note: `${o.accepted} accepted, ${o.refused} refused` },
        { name: `chaos_fuzz_${o.endpoint.replaceAll('-', '_')}_failures`, value: o.serverErrors + o.storedForRefused + o.storedTwice, unit: 'requests', goal: { op: '=' as const, target: 0 }, note: '5xx or no answer, stored for a refused request, stored twice' },
      ]);
      rows.push({ name: 'chaos_fuzz_app_kept_running', value: alive ? 1 : 0, unit: 'bool', goal: { op: '=', target: 1 }, note: `${Math.round((Date.now() - started) / 1000)} s, seed ${seed}` });
      return rows;
    } finally {
      await app.close();
      await desk.close();
      await sql.end({ timeout: 1 });
    }
  },
};
