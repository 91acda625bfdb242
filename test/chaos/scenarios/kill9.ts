/**
 * `kill -9` of the app mid-load: customers writing through the API channel and Twilio,
 * acknowledgements going out; the process is killed without warning and started again. Every
 * acknowledged message must be stored, the platforms' retries stored once, every queued reply
 * sent once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startChaosDesk } from '../lib/desk.ts';
import { firstAckAfter, startMixedLoad, tallyMixedLoad } from '../lib/load.ts';
import type { Scenario } from '../lib/scenario.ts';

export const kill9Scenario: Scenario = {
  name: 'kill9',
  about: 'SIGKILL of the app mid-load (API channel + Twilio in, acknowledgements out), then a restart',
  async run(ctx) {
    const desk = await startChaosDesk(ctx, 'kill9');
    try {
      const app = await desk.app();
      await app.start();
      desk.setTarget(app.url);
      let giveUpAt = Infinity;
      const load = startMixedLoad(desk, 'k9', {
        apiCount: ctx.quick ? 150 : 500,
        apiRate: ctx.quick ? 15 : 20,
        smsCount: ctx.quick ? 30 : 80,
        smsRate: ctx.quick ? 3 : 3,
        giveUpAt: () => giveUpAt,
      });
      const recoveries: number[] = [];
      for (const afterMs of ctx.quick ? [4_000] : [8_000, 8_000]) {
        await sleep(afterMs);
        ctx.progress('kill9: SIGKILL');
        await app.kill();
        await sleep(1_000);
        const restarting = Date.now();
        await app.start();
        ctx.progress(`kill9: restarted in ${Date.now() - restarting} ms`);
        recoveries.push(restarting);
      }
      giveUpAt = Date.now() + 60_000;
      const done = await load;
      const recoveryMs = Math.max(...recoveries.map((at) => (firstAckAfter(done, at) ?? Number.NaN) - at));
      const { rows, broken } = await tallyMixedLoad(desk, 'k9', done, 'chaos_kill9', { drainMs: ctx.quick ? 60_000 : 120_000, progress: ctx.progress });
      for (const line of broken) ctx.progress(`kill9: ${line}`);
      return [...rows, { name: 'chaos_kill9_recovery_ms', value: recoveryMs, unit: 'ms', note: 'restart begun to first acknowledged message (process start included)' }];
    } finally {
      await desk.close();
    }
  },
};
