/**
 * Two instances behind the test's own round-robin load balancer: webhooks (the API channel)
 * spread over both; Telegram long polling, a connection only one instance holds, fails over
 * within 30 s when its holder is killed (kill -9), missing no update and storing none twice;
 * every ticket's first-reply target (30 s here) is missed, and each breach is alerted once in
 * Slack's escalation channel, whichever instance's timer found it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Row } from '../../bench/lib/stats.ts';
import { startSlackEmulator } from '../../fakes/slack/index.ts';
import { startTelegramEmulator } from '../../fakes/telegram/index.ts';
import { startBalancer } from '../lib/balancer.ts';
import { startChaosDesk } from '../lib/desk.ts';
import { inboundTally } from '../lib/ledger.ts';
import { deliverAll } from '../lib/platform.ts';
import type { Scenario } from '../lib/scenario.ts';

const ESCALATIONS = 'C0ESCALATE';
const SLA_SECONDS = 30;

export const pairScenario: Scenario = {
  name: 'pair',
  about: 'two instances behind a round-robin balancer; the Telegram long-polling holder killed',
  async run(ctx) {
    const telegram = await startTelegramEmulator();
    const slack = await startSlackEmulator({ rateLimits: false });
    slack.addChannel({ id: ESCALATIONS, name: 'escalations' });
    // No PUBLIC_BASE_URL: Telegram long polling (and no Twilio, which needs it).
    const desk = await startChaosDesk(ctx, 'pair', {
      PUBLIC_BASE_URL: '', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_SMS_FROM: '', TWILIO_API_URL: '',
      TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_URL: telegram.url,
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.url, SLACK_TRIAGE_CHANNEL: 'C0TRIAGE01', SLACK_ESCALATION_CHANNEL: ESCALATIONS, SLACK_POST_RATE: '20',
      SLA_TARGETS: JSON.stringify({ normal: { firstReply: `${SLA_SECONDS}s`, nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null } }),
    });
    const apps = [await desk.app('a'), await desk.app('b')];
    try {
      for (const app of apps) await app.start();
      const balancer = await startBalancer(apps.map((a) => a.url));
      desk.setTarget(balancer.url);
      const holder = async () => (await desk.sql<{ holder: string | null; epoch: string; state: string }[]>`select holder, epoch, state from channel_connections where module = 'telegram'`)[0];
      const until = Date.now() + 60_000;
      while ((await holder())?.state !== 'connected') {
        if (Date.now() > until) throw new Error('nobody holds the Telegram connection after 60 s');
        await sleep(250);
      }
      const held = (await holder())!;
      const victim = apps.find((a) => held.holder?.includes(`:${a.current()!.child.pid}:`));
      if (!victim) throw new Error(`holder ${held.holder} is neither instance`);

      let giveUpAt = Infinity;
      const api = deliverAll({ count: ctx.quick ? 100 : 200, ratePerSecond: 10, send: (i) => desk.apiMessage('pair', i), giveUpAt: () => giveUpAt });
      const telegramIds: string[] = [];
      let writing = true;
      const customers = Array.from({ length: 5 }, (_, i) => ({ id: 700_000 + i, first_name: `Tele ${i}` }));
      const writer = (async () => {
        for (let n = 0; writing; n++) {
          const update = telegram.customerWrites({ from: customers[n % customers.length]!, text: `telegram message ${n}` });
          telegramIds.push(`${update.message.chat.id}:${update.message.message_id}`);
          await sleep(300);
        }
      })();
      await sleep(ctx.quick ? 4_000 : 8_000);
      const spreadBefore = [...balancer.answered.values()];
      ctx.progress(`pair: balancer answers so far ${JSON.stringify(Object.fromEntries(balancer.answered))}; SIGKILL to the Telegram holder`);
      await victim.kill();
      const killedAt = Date.now();
      let tookOverMs = Number.NaN;
      while (Date.now() - killedAt < 60_000) {
        const now = await holder();
        if (now && now.state === 'connected' && now.holder !== held.holder && Number(now.epoch) > Number(held.epoch)) {
          tookOverMs = Date.now() - killedAt;
          break;
        }
        await sleep(200);
      }
      ctx.progress(`pair: the other instance holds Telegram ${tookOverMs} ms after the kill`);
      await sleep(5_000);
      writing = false;
      await writer;
      giveUpAt = Date.now() + 60_000;
      const done = await api;
      // Every Telegram update written is stored (or still arriving): wait a little for the last ones.
      let tg = await inboundTally(desk.sql, 'telegram', telegramIds);
      for (let waited = 0; tg.lost > 0 && waited < 60_000; waited += 1_000) {
        await sleep(1_000);
        tg = await inboundTally(desk.sql, 'telegram', telegramIds);
      }
      const apiTally = await inboundTally(desk.sql, 'api', [...done.acked].map((i) => desk.apiId('pair', i)));
      await balancer.close();

      // Every ticket breaches its first-reply target; each breach is posted once.
      const tickets = (await desk.sql<{ number: number }[]>`select number from tickets`).map((t) => t.number);
      const [{ newest }] = await desk.sql<{ newest: Date }[]>`select max(created_at) as newest from tickets`;
      const alertsOf = () => {
        const counts = new Map<number, number>();
        for (const m of slack.messages(ESCALATIONS)) {
          const number = Number(/#(\d+)>? missed its/.exec(m.text ?? '')?.[1]);
          if (number) counts.set(number, (counts.get(number) ?? 0) + 1);
        }
        return counts;
      };
      const alertsBy = newest.getTime() + SLA_SECONDS * 1000 + 120_000;
      while (Date.now() < alertsBy && tickets.some((n) => !alertsOf().has(n))) await sleep(1_000);
      await sleep(3_000);
      const alerts = alertsOf();
      const [{ events }] = await desk.sql<{ events: number }[]>`select count(*)::int as events from events where kind = 'sla-breach'`;
      const alertsMissing = tickets.filter((n) => !alerts.has(n)).length;
      const alertsTwice = [...alerts.values()].reduce((sum, n) => sum + n - 1, 0);
      return [
        { name: 'chaos_pair_acknowledged', value: done.acked.size + telegramIds.length, unit: 'messages', goal: { op: '>=', target: 1 }, note: `${done.acked.size} API through the balancer, ${telegramIds.length} Telegram by long polling` },
        { name: 'chaos_pair_lost', value: apiTally.lost + tg.lost, unit: 'messages', goal: { op: '=', target: 0 } },
        { name: 'chaos_pair_duplicated', value: apiTally.duplicated + tg.duplicated, unit: 'messages', goal: { op: '=', target: 0 } },
        { name: 'chaos_pair_smaller_share', value: Math.round((100 * Math.min(...spreadBefore)) / Math.max(1, spreadBefore.reduce((a, b) => a + b, 0))), unit: '%', goal: { op: '>=', target: 25 }, note: 'of webhooks answered by the less busy instance before the kill' },
        { name: 'chaos_pair_failover_ms', value: tookOverMs, unit: 'ms', goal: { op: '<=', target: 30_000 }, note: 'holder killed to the other instance connected' },
        { name: 'chaos_pair_sla_alerts', value: alerts.size, unit: 'tickets', goal: { op: '=', target: tickets.length }, note: `${tickets.length} tickets, ${events} breach events; ${alertsMissing} without an alert` },
        { name: 'chaos_pair_sla_alerts_duplicated', value: alertsTwice + Math.max(0, events - tickets.length), unit: 'alerts', goal: { op: '=', target: 0 } },
      ] satisfies Row[];
    } finally {
      await desk.close();
      await telegram.close();
      await slack.close();
    }
  },
};
