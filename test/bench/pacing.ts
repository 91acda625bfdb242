/**
 * Pacing: sustained outbound SMS against the Twilio emulator enforcing the vendor's limit, one
 * message per second per sender, over several TWILIO_SMS_FROM numbers at once. The real app runs
 * as a child. Customers write in by signed SMS webhooks, spread over the senders (a reply leaves
 * from the number its customer wrote to); then agents answer every ticket in its card's Slack
 * thread, twice as fast as the senders may send, so replies queue up: 40 s of sending's worth
 * (10 s with --quick).
 *
 * pacing_ratio: replies Twilio accepted per second while every sender had replies waiting
 * (queued in the app, not yet accepted), divided by what the senders may send
 * (senders × TWILIO_SEND_RATE). The window opens when every sender has at least two waiting and
 * closes when the first sender has none left.
 * pacing_429_rate: the share of Messages.create calls Twilio answered 429.
 */
import postgres from 'postgres';
import { startSlackEmulator, type SlackEmulator } from '../fakes/slack/index.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../fakes/twilio/index.ts';
import { startBenchApp, type BenchApp } from './lib/app.ts';
import { sleep, type Bench } from './lib/bench.ts';
import { median, percentile, round, type Row } from './lib/stats.ts';

/** A US long code's rate: one message segment per second (https://help.twilio.com/articles/115002943027). */
const RATE = 1;
// Twilio signs over the app's public URL; the emulator routes it to the child.
const PUBLIC_BASE_URL = 'https://desk.bench.example';
const INBOUND_URL = `${PUBLIC_BASE_URL}/webhooks/twilio`;
const TRIAGE = 'C0TRIAGE01';
const AGENTS = ['U0AGENT001', 'U0AGENT002'];
// Inbound webhooks in flight while the tickets are made.
const CONCURRENCY = 8;
// Agents reply this many times faster than the senders may send, so a backlog builds.
const OVERLOAD = 2;
// The window opens when every sender has this many replies waiting.
const SATURATED = 2;

const senderNumber = (s: number) => `+1555010${String(s).padStart(4, '0')}`;
const customerNumber = (i: number) => `+1555${String(3_000_000 + i).padStart(7, '0')}`;
/** Names customer i in their first message (so on their card) and in the agent's reply. */
const token = (i: number) => `PB-${String(i).padStart(6, '0')}`;
const TOKEN = /PB-(\d{6})/;
const customerOf = (text: string) => {
  const match = TOKEN.exec(text);
  return match ? Number(match[1]) : undefined;
};

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function waitFor(what: string, timeoutMs: number, done: () => boolean, everyMs = 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > until) throw new Error(`pacing: ${what} did not happen within ${round(timeoutMs / 1000)} s`);
    await sleep(everyMs);
  }
}

/** Customer i's card ts, read from the triage channel as an agent finds it. */
function cardsByCustomer(slack: SlackEmulator): Map<number, string> {
  const cards = new Map<number, string>();
  for (const message of slack.messages(TRIAGE)) {
    const i = customerOf(JSON.stringify(message.blocks ?? message.text));
    if (i !== undefined) cards.set(i, message.ts);
  }
  return cards;
}

/** One reply: its sender, when the app queued it, when Twilio accepted it (first copy). */
interface Reply {
  sender: number;
  queuedAt: number;
  sentAt: number | undefined;
}

/**
 * The longest stretch during which every sender had replies waiting: it opens when each has
 * `SATURATED` waiting and closes at the send that leaves one of them with none. Returns its
 * bounds and the sends inside it.
 */
function saturatedWindow(replies: Reply[], senders: number): { from: number; to: number; sends: number } | undefined {
  // Arrivals before departures at the same instant: a reply cannot leave before it is queued.
  const events = replies
    .flatMap((r) => [{ at: r.queuedAt, sender: r.sender, delta: 1 }, ...(r.sentAt === undefined ? [] : [{ at: r.sentAt, sender: r.sender, delta: -1 }])])
    .sort((a, b) => a.at - b.at || b.delta - a.delta);
  const waiting = new Array<number>(senders).fill(0);
  let best: { from: number; to: number; sends: number } | undefined;
  let open: { from: number; sends: number } | undefined;
  for (const event of events) {
    waiting[event.sender]! += event.delta;
    if (open && event.delta < 0) {
      open.sends += 1;
      if (waiting[event.sender] === 0) {
        if (!best || event.at - open.from > best.to - best.from) best = { from: open.from, to: event.at, sends: open.sends };
        open = undefined;
      }
    } else if (!open && waiting.every((n) => n >= SATURATED)) {
      open = { from: event.at, sends: 0 };
    }
  }
  return best;
}

export const pacingBench: Bench = {
  name: 'pacing',
  about: 'sustained SMS replies from several senders vs Twilio\'s 1 msg/s per sender: delivered/allowed rate and share of 429s',
  async run(ctx) {
    const senders = Array.from({ length: ctx.quick ? 4 : 8 }, (_, s) => senderNumber(s));
    const backlogS = ctx.quick ? 10 : 40;
    const allowedPerS = senders.length * RATE;
    const count = backlogS * allowedPerS;
    const customers = Array.from({ length: count }, (_, i) => i);
    const senderOf = (i: number) => i % senders.length;

    const db = await ctx.pg.createDatabase('pacing');
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    let app: BenchApp | undefined;
    let twilio: TwilioEmulator | undefined;
    let slack: SlackEmulator | undefined;
    try {
      twilio = await startTwilioEmulator({ senders, sendsPerSecond: RATE, route: (url) => url.replace(PUBLIC_BASE_URL, app!.url) });
      slack = await startSlackEmulator({ rateLimits: false });
      app = await startBenchApp(db.url, {
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_SMS_FROM: senders.join(','),
        TWILIO_SEND_RATE: String(RATE),
        TWILIO_API_URL: twilio.url,
        PUBLIC_BASE_URL,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: slack.signingSecret,
        SLACK_API_URL: slack.url,
        SLACK_TRIAGE_CHANNEL: TRIAGE,
        // Slack's own limit is not what is measured here (the emulator enforces none in this run).
        SLACK_POST_RATE: '200',
      });
      const tw = twilio;
      const sl = slack;
      const eventsUrl = `${app.url}/slack/events`;

      ctx.progress(`pacing: ${count} customers write in by SMS to ${senders.length} numbers`);
      await inPool(customers, CONCURRENCY, async (i) => {
        const params = tw.inboundSms({ from: customerNumber(i), to: senders[senderOf(i)]!, body: `Hello, my order ${token(i)} has not arrived yet` });
        const response = await tw.post(INBOUND_URL, params);
        if (response.status !== 200) throw new Error(`inbound SMS answered ${response.status}: ${await response.text()}`);
      });
      let cards = new Map<number, string>();
      await waitFor(`${count} ticket cards in #triage`, 120_000, () => (cards = cardsByCustomer(sl)).size >= count, 250);

      // Open loop, as agents type: a steady stream rather than one burst, so the app's event
      // workers are woken by each new event instead of finding a pile at their next poll.
      const replyRate = OVERLOAD * allowedPerS;
      ctx.progress(`pacing: agents answer all ${count} in their threads at ${replyRate}/s; the senders may send ${allowedPerS}/s`);
      const started = performance.now();
      const posts: Promise<void>[] = [];
      for (const i of customers) {
        const wait = started + (i * 1000) / replyRate - performance.now();
        if (wait > 1) await sleep(wait);
        const { event } = sl.userPosts({ user: AGENTS[i % AGENTS.length]!, channel: TRIAGE, thread_ts: cards.get(i)!, text: `About ${token(i)}: it ships today.` });
        posts.push(
          sl.http.event(eventsUrl, event).then((delivery) => {
            if (delivery.status !== 200) throw new Error(`Slack event answered ${delivery.status}`);
          }),
        );
      }
      await Promise.all(posts);

      ctx.progress(`pacing: all replies posted (${tw.messages.length} sent so far); waiting for the rest`);
      const deadlineMs = (count / allowedPerS) * 2_000 + 30_000;
      await waitFor('every reply reaching its customer', deadlineMs, () => tw.messages.length >= count).catch((error: Error) => ctx.progress(error.message));
      // A reply sent twice would show up here, after the last one.
      await sleep(3_000);
      await tw.settle();

      const queued = new Map<number, number>();
      for (const row of await sql<{ text: string; createdAt: Date }[]>`select text, created_at as "createdAt" from messages where direction = 'outbound'`) {
        const i = customerOf(row.text);
        if (i !== undefined) queued.set(i, row.createdAt.getTime());
      }
      const received = new Map<number, { from: string | null; to: string; at: number }[]>();
      for (const message of tw.messages) {
        const i = customerOf(message.body);
        if (i !== undefined) received.set(i, [...(received.get(i) ?? []), { from: message.from, to: message.to, at: message.dateCreated.getTime() }]);
      }
      const sentTwice = [...received.values()].reduce((n, copies) => n + copies.length - 1, 0);
      const missing = customers.filter((i) => !received.has(i)).length;
      const misrouted = customers.filter((i) => (received.get(i) ?? []).some((m) => m.from !== senders[senderOf(i)] || m.to !== customerNumber(i))).length;
      if (queued.size < count) throw new Error(`pacing: only ${queued.size} of ${count} agent replies were stored`);

      const replies: Reply[] = customers.map((i) => ({ sender: senderOf(i), queuedAt: queued.get(i)!, sentAt: received.get(i)?.[0]?.at }));
      const window = saturatedWindow(replies, senders.length);
      const queuedTimes = replies.map((r) => r.queuedAt);
      const intakePerS = (count - 1) / ((Math.max(...queuedTimes) - Math.min(...queuedTimes)) / 1000);
      if (!window || window.to - window.from < 5_000) {
        throw new Error(`pacing: the senders never all had a backlog for 5 s (replies were queued at ${round(intakePerS)}/s; longest window ${window ? window.to - window.from : 0} ms)`);
      }
      const windowS = (window.to - window.from) / 1000;
      const ratio = window.sends / (windowS * allowedPerS);
      const delays = replies.filter((r) => r.sentAt !== undefined).map((r) => (r.sentAt! - r.queuedAt) / 1000);

      const creates = tw.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/Messages.json'));
      const limited = creates.filter((c) => c.status === 429).length;
      const otherFailures = creates.filter((c) => c.status !== 201 && c.status !== 429).length;
      return [
        {
          name: 'pacing_ratio',
          value: round(ratio, 3),
          unit: 'ratio',
          goal: { op: '>=', target: 0.9 },
          note: `${round(window.sends / windowS, 2)} sent/s of ${allowedPerS} allowed (${senders.length} senders × ${RATE}/s) over ${round(windowS)} s with every sender backlogged; ${count} replies queued at ${round(intakePerS)}/s`,
        },
        {
          name: 'pacing_429_rate',
          value: round(limited / creates.length, 4),
          unit: 'share',
          goal: { op: '<=', target: 0.005 },
          note: `${limited} of ${creates.length} Messages.create calls${otherFailures ? `; ${otherFailures} other failures` : ''}`,
        },
        { name: 'pacing_sent_twice', value: sentTwice, unit: 'msgs', note: `must be 0; ${missing} never reached their customer, ${misrouted} came from another number than the one written to` },
        { name: 'pacing_delay_p50_s', value: round(median(delays)), unit: 's', note: 'reply queued in the app to Twilio accepting it, under the backlog' },
        { name: 'pacing_delay_p99_s', value: round(percentile(delays, 0.99)), unit: 's', note: `a ${backlogS} s backlog queued at ${OVERLOAD}× the allowed rate drains in ${round(backlogS * (1 - 1 / OVERLOAD))} s at best` },
      ] satisfies Row[];
    } finally {
      await app?.stop();
      await twilio?.close();
      await slack?.close();
      await sql.end();
      await db.drop();
    }
  },
};
