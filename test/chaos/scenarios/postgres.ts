/**
 * Postgres restarted mid-load (the suite's own cluster: fast shutdown, down a while, started
 * again on the same port). The app keeps running, answers 5xx or waits while it is down, and
 * recovers by itself; the figure is the time from Postgres being back to the first message
 * acknowledged after it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startChaosDesk } from '../lib/desk.ts';
import { firstAckAfter, startMixedLoad, tallyMixedLoad } from '../lib/load.ts';
import type { Scenario } from '../lib/scenario.ts';

const DOWN_MS = 10_000;

export const postgresScenario: Scenario = {
  name: 'postgres',
  about: `Postgres stopped mid-load for ${DOWN_MS / 1000} s and started again; the app is not restarted`,
  async run(ctx) {
    const desk = await startChaosDesk(ctx, 'postgres');
    try {
      const app = await desk.app();
      await app.start();
      desk.setTarget(app.url);
      let giveUpAt = Infinity;
      const load = startMixedLoad(desk, 'pg', { apiCount: ctx.quick ? 200 : 500, apiRate: 10, smsCount: ctx.quick ? 30 : 60, smsRate: 1.5, giveUpAt: () => giveUpAt });
      await sleep(ctx.quick ? 4_000 : 8_000);
      ctx.progress('postgres: fast shutdown');
      await ctx.cluster.stop();
      await sleep(DOWN_MS);
      await ctx.cluster.start();
      const back = Date.now();
      ctx.progress('postgres: running again');
      giveUpAt = Date.now() + 90_000;
      const done = await load;
      const alive = app.current()?.child.exitCode === null;
      const { rows, broken } = await tallyMixedLoad(desk, 'pg', done, 'chaos_postgres', { drainMs: 90_000, progress: ctx.progress });
      for (const line of broken) ctx.progress(`postgres: ${line}`);
      if (!alive) ctx.progress(`postgres: the app exited:\n${app.output().slice(-3000)}`);
      return [
        ...rows,
        { name: 'chaos_postgres_app_kept_running', value: alive ? 1 : 0, unit: 'bool', goal: { op: '=', target: 1 } },
        { name: 'chaos_postgres_recovery_ms', value: (firstAckAfter(done, back) ?? Number.NaN) - back, unit: 'ms', note: 'Postgres accepting connections to the first acknowledged message' },
      ];
    } finally {
      await desk.close();
    }
  },
};
