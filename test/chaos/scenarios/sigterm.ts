/**
 * SIGTERM mid-load, as a supervisor or a deploy stops the app: it drains and exits 0; no
 * message it answered 2xx is lost, and after a restart every queued reply goes out once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startChaosDesk } from '../lib/desk.ts';
import { firstAckAfter, startMixedLoad, tallyMixedLoad } from '../lib/load.ts';
import type { Scenario } from '../lib/scenario.ts';

export const sigtermScenario: Scenario = {
  name: 'sigterm',
  about: 'SIGTERM of the app mid-load: drain, exit 0, restart',
  async run(ctx) {
    const desk = await startChaosDesk(ctx, 'sigterm');
    try {
      const app = await desk.app();
      await app.start();
      desk.setTarget(app.url);
      let giveUpAt = Infinity;
      const load = startMixedLoad(desk, 'st', { apiCount: ctx.quick ? 150 : 400, apiRate: 15, smsCount: ctx.quick ? 30 : 60, smsRate: 3, giveUpAt: () => giveUpAt });
      await sleep(ctx.quick ? 4_000 : 8_000);
      ctx.progress('sigterm: SIGTERM');
      const code = await app.terminate();
      ctx.progress(`sigterm: exited ${code}`);
      const restarting = Date.now();
      await app.start();
      giveUpAt = Date.now() + 60_000;
      const done = await load;
      const { rows, broken } = await tallyMixedLoad(desk, 'st', done, 'chaos_sigterm', { drainMs: 90_000, progress: ctx.progress });
      for (const line of broken) ctx.progress(`sigterm: ${line}`);
      return [
        ...rows,
        { name: 'chaos_sigterm_exit_code', value: code ?? -1, unit: '', goal: { op: '=', target: 0 } },
        { name: 'chaos_sigterm_recovery_ms', value: (firstAckAfter(done, restarting) ?? Number.NaN) - restarting, unit: 'ms', note: 'restart begun to first acknowledged message (process start included)' },
      ];
    } finally {
      await desk.close();
    }
  },
};
