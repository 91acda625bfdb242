/**
 * Platforms failing for a while (CHAOS_OUTAGE_SECONDS, default a minute) under a steady flow:
 *  - slack: Slack answers 500, then 429 with Retry-After, while customers keep writing: every
 *    message reaches its ticket's thread once, in the order written;
 *  - vendor: Twilio's API and the API channel's customer app answer 503 while agents keep
 *    replying in Slack, then lose their first answers: every reply reaches its customer once,
 *    in the order written.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Row } from '../../bench/lib/stats.ts';
import { startSlackEmulator, type SlackEmulator } from '../../fakes/slack/index.ts';
import { startChaosDesk, SMS_NUMBER, type ChaosDesk } from '../lib/desk.ts';
import { drainReplies } from '../lib/ledger.ts';
import { post } from '../lib/platform.ts';
import { CHAOS_API_TOKEN } from '../lib/app.ts';
import type { ChaosContext, Scenario } from '../lib/scenario.ts';

const TRIAGE = 'C0TRIAGE01';
/** In `vendor`, how many answers Twilio and the customer's app lose right after the outage. */
const LOST_ANSWERS = 2;
const AGENT = 'U0AGENT001';

async function slackDesk(ctx: ChaosContext, name: string): Promise<{ slack: SlackEmulator; desk: ChaosDesk; eventsUrl: string; close(): Promise<void> }> {
  const slack = await startSlackEmulator({ rateLimits: false });
  const desk = await startChaosDesk(ctx, name, { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.url, SLACK_TRIAGE_CHANNEL: TRIAGE, SLACK_POST_RATE: '20' });
  const app = await desk.app();
  await app.start();
  desk.setTarget(app.url);
  return { slack, desk, eventsUrl: `${app.url}/slack/events`, close: async () => (await desk.close(), await slack.close()) };
}

/** Sends until a 2xx, as a platform would; gives up after `ms`. */
async function untilAcked(send: () => Promise<number>, ms = 120_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if ((await send().catch(() => 0)) < 300) return true;
    await sleep(500);
  }
  return false;
}

/** Expected markers vs seen markers, in order: lost, duplicated, whether the order held. */
function compare(expected: string[], seen: string[]): { lost: number; duplicated: number; ordered: boolean } {
  const counts = new Map<string, number>();
  for (const m of seen) counts.set(m, (counts.get(m) ?? 0) + 1);
  const lost = expected.filter((m) => !counts.has(m)).length;
  const duplicated = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
  const firsts = [...new Set(seen)].filter((m) => expected.includes(m));
  const ordered = firsts.every((m, i) => i === 0 || expected.indexOf(firsts[i - 1]!) < expected.indexOf(m));
  return { lost, duplicated, ordered };
}

async function cardTs(desk: ChaosDesk, address: string, timeoutMs = 180_000): Promise<string | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const [row] = await desk.sql<{ ts: string | null }[]>`select c.ts from slack_cards c join tickets t on t.id = c.ticket_id join identities i on i.id = t.identity_id where i.address = ${address}`;
    if (row?.ts) return row.ts;
    await sleep(500);
  }
  return undefined;
}

async function slackOutboxEmpty(desk: ChaosDesk, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const [row] = await desk.sql<{ n: number }[]>`select (select count(*) from slack_outbox)::int + (select count(*) from slack_cards where ts is null)::int as n`;
    if (row!.n === 0) return Date.now() - started;
    await sleep(500);
  }
  return Number.NaN;
}

export const slackOutageScenario: Scenario = {
  name: 'slack',
  about: 'Slack answers 500, then 429 (Retry-After 5 s), for CHAOS_OUTAGE_SECONDS while customers write',
  async run(ctx) {
    const { slack, desk, close } = await slackDesk(ctx, 'slack');
    try {
      const customers = ctx.quick ? 6 : 12;
      const perCustomer = ctx.quick ? 4 : 6;
      const half = Math.round(ctx.outageMs / 2);
      const spacing = (ctx.outageMs + 6_000) / perCustomer;
      const address = (c: number) => `slack-${c}@chaos.example`;
      const marker = (c: number, k: number) => `chaos-c${c}-m${k}`;
      let acknowledged = 0;
      let unacked = 0;
      const outage = (async () => {
        await sleep(3_000);
        ctx.progress(`slack: 500 for ${half / 1000} s`);
        slack.failFor('*', half, 500);
        await sleep(half);
        ctx.progress(`slack: 429 for ${half / 1000} s`);
        slack.failFor('*', half, 429, 5);
        await sleep(half);
        ctx.progress('slack: answering again');
        return Date.now();
      })();
      await Promise.all(
        Array.from({ length: customers }, async (_, c) => {
          for (let k = 0; k < perCustomer; k++) {
            await sleep(k === 0 ? c * 100 : spacing);
            const body = JSON.stringify({ id: `sl-${c}-${k}`, from: address(c), name: `Customer ${c}`, text: `${marker(c, k)} still waiting` });
            const ok = await untilAcked(() => post(`${desk.target()}/api/v1/inbound`, { authorization: `Bearer ${CHAOS_API_TOKEN}`, 'content-type': 'application/json' }, body));
            if (ok) acknowledged += 1;
            else unacked += 1;
          }
        }),
      );
      const back = await outage;
      const drainMs = await slackOutboxEmpty(desk, 180_000);
      const recoveryMs = Number.isNaN(drainMs) ? Number.NaN : Date.now() - back;
      let lost = 0;
      let duplicated = 0;
      let disordered = 0;
      for (let c = 0; c < customers; c++) {
        const ts = await cardTs(desk, address(c), 5_000);
        const expected = Array.from({ length: perCustomer }, (_, k) => marker(c, k));
        const seen = ts ? slack.thread(TRIAGE, ts).flatMap((m) => [...new Set(JSON.stringify(m).match(/chaos-c\d+-m\d+/g) ?? [])]).filter((m) => m.startsWith(`chaos-c${c}-`)) : [];
        const got = compare(expected, seen);
        lost += got.lost;
        duplicated += got.duplicated;
        if (!got.ordered) disordered += 1;
      }
      const calls = slack.calls.filter((call) => call.status >= 400).length;
      if (unacked) ctx.progress(`slack: ${unacked} customer messages never acknowledged`);
      return [
        { name: 'chaos_slack_acknowledged', value: acknowledged, unit: 'messages', goal: { op: '=', target: customers * perCustomer }, note: `${customers} tickets × ${perCustomer} messages; Slack refused ${calls} calls` },
        { name: 'chaos_slack_lost', value: lost, unit: 'messages', goal: { op: '=', target: 0 }, note: 'not in the ticket’s card or thread' },
        { name: 'chaos_slack_duplicated', value: duplicated, unit: 'messages', goal: { op: '=', target: 0 } },
        { name: 'chaos_slack_threads_out_of_order', value: disordered, unit: 'tickets', goal: { op: '=', target: 0 } },
        { name: 'chaos_slack_recovery_ms', value: recoveryMs, unit: 'ms', note: 'Slack answering again to every post made' },
      ] satisfies Row[];
    } finally {
      await close();
    }
  },
};

export const vendorOutageScenario: Scenario = {
  name: 'vendor',
  about: 'Twilio’s API and the API channel’s customer app answer 503 for CHAOS_OUTAGE_SECONDS while agents reply, then lose their first answers',
  async run(ctx) {
    const { slack, desk, eventsUrl, close } = await slackDesk(ctx, 'vendor');
    try {
      const perKind = ctx.quick ? 3 : 6;
      const repliesEach = ctx.quick ? 3 : 5;
      const customers = [
        ...Array.from({ length: perKind }, (_, i) => ({ kind: 'api' as const, address: `vendor-${i}@chaos.example` })),
        ...Array.from({ length: perKind }, (_, i) => ({ kind: 'sms' as const, address: `+1555777${String(1000 + i).slice(-4)}` })),
      ];
      for (const [i, customer] of customers.entries()) {
        const ok =
          customer.kind === 'api'
            ? await untilAcked(() => post(`${desk.target()}/api/v1/inbound`, { authorization: `Bearer ${CHAOS_API_TOKEN}`, 'content-type': 'application/json' }, JSON.stringify({ id: `v-${i}`, from: customer.address, text: 'Where is my order?' })))
            : await untilAcked(async () => {
                const response = await desk.twilio.post(`https://desk.chaos.example/webhooks/twilio`, desk.twilio.inboundSms({ from: customer.address, to: SMS_NUMBER, body: 'Where is my order?', sid: `SM${String(i).padStart(32, '0')}` }));
                await response.arrayBuffer();
                return response.status;
              });
        if (!ok) throw new Error(`customer ${customer.address} could not write`);
      }
      const cards = await Promise.all(customers.map((c) => cardTs(desk, c.address)));
      if (cards.some((ts) => !ts)) throw new Error('a ticket got no Slack card');
      await drainReplies(desk.sql, ['api', 'sms'], 60_000); // the acknowledgements, before the outage
      const outageEnds = Date.now() + ctx.outageMs;
      ctx.progress(`vendor: 503 from Twilio and the customer app for ${ctx.outageMs / 1000} s`);
      desk.twilio.failFor(ctx.outageMs, { status: 503 });
      desk.customer.failFor(ctx.outageMs, 503);
      const marker = (c: number, r: number) => `agent-c${c}-r${r}`;
      const spacing = (ctx.outageMs * 0.7) / repliesEach;
      await Promise.all(
        customers.map(async (_, c) => {
          for (let r = 0; r < repliesEach; r++) {
            const { event } = slack.userPosts({ user: AGENT, channel: TRIAGE, thread_ts: cards[c]!, text: `${marker(c, r)}: we are on it` });
            const ok = await untilAcked(async () => (await slack.http.event(eventsUrl, slack.eventCallback(event))).status);
            if (!ok) throw new Error('Slack event not acknowledged');
            await sleep(spacing);
          }
        }),
      );
      await sleep(Math.max(0, outageEnds - Date.now()));
      // Back, but the first answers of each are lost on the way (processed, then the connection
      // closes), as a create answered after the client gave up: sent, and not known to be.
      desk.twilio.failNext(LOST_ANSWERS, { drop: 'after' });
      desk.customer.dropNext(LOST_ANSWERS);
      ctx.progress(`vendor: answering again (the first ${LOST_ANSWERS} answers of each lost)`);
      const back = Date.now();
      const drain = await drainReplies(desk.sql, ['api', 'sms'], 240_000);
      let lost = 0;
      let duplicated = 0;
      let disordered = 0;
      for (const [c, customer] of customers.entries()) {
        // What the customer was shown: their app shows a reply whose id it accepted before once (counted apart below).
        const texts = customer.kind === 'api' ? desk.customer.shown().filter((b) => b.to === customer.address).map((b) => b.text) : desk.twilio.outbox(customer.address).map((m) => m.body ?? '');
        const seen = texts.flatMap((t) => t.match(/agent-c\d+-r\d+/g) ?? []);
        const got = compare(Array.from({ length: repliesEach }, (_, r) => marker(c, r)), seen);
        if (got.duplicated || got.lost || !got.ordered) {
          const rows = await desk.sql`select m.text, m.delivery, m.attempts, m.external_id, m.slack_ts from messages m join tickets t on t.id = m.ticket_id join identities i on i.id = t.identity_id where i.address = ${customer.address} and m.direction = 'outbound' order by m.seq`;
          ctx.progress(`vendor: ${customer.kind} ${customer.address} received ${JSON.stringify(seen)}; stored ${JSON.stringify(rows)}`);
          if (process.env.CHAOS_DEBUG) ctx.progress(`vendor: app warnings ${desk.appOutputs().split('\n').filter((l) => /"level":(40|50)/.test(l) && !/503|Service Unavailable|unavailable/i.test(l)).slice(0, 8).join('\n')}`);
          if (customer.kind === 'sms') ctx.progress(`vendor: Twilio calls ${JSON.stringify(desk.twilio.calls.filter((call) => JSON.stringify(call).includes(customer.address)).map((call) => ({ ...call, at: undefined })))}`.slice(0, 3000));
        }
        lost += got.lost;
        duplicated += got.duplicated;
        if (!got.ordered) disordered += 1;
      }
      const refusals = desk.twilio.calls.filter((call) => call.status === 503).length + desk.customer.posts.filter((p) => p.status === 503).length;
      return [
        { name: 'chaos_vendor_replies', value: customers.length * repliesEach, unit: 'replies', goal: { op: '>=', target: 1 }, note: `${perKind} API + ${perKind} SMS customers × ${repliesEach}; ${refusals} sends answered 503` },
        { name: 'chaos_vendor_lost', value: lost, unit: 'replies', goal: { op: '=', target: 0 }, note: `${drain.queued} still queued` },
        { name: 'chaos_vendor_duplicated', value: duplicated, unit: 'replies', goal: { op: '=', target: 0 }, note: 'shown to a customer twice' },
        { name: 'chaos_vendor_resent_same_id', value: desk.customer.delivered().length - desk.customer.shown().length, unit: 'replies', note: 'API replies on the wire again under an accepted id, shown once' },
        { name: 'chaos_vendor_found_sent', value: desk.appOutputs().split('\n').filter((line) => line.includes('an earlier send had reached the platform')).length, unit: 'replies', note: 'SMS whose answer was lost, found at Twilio and recorded instead of sent again' },
        { name: 'chaos_vendor_out_of_order', value: disordered, unit: 'customers', goal: { op: '=', target: 0 } },
        { name: 'chaos_vendor_recovery_ms', value: drain.queued === 0 ? Date.now() - back : Number.NaN, unit: 'ms', note: 'vendor answering again to every reply delivered' },
      ] satisfies Row[];
    } finally {
      await close();
    }
  },
};
