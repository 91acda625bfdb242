/**
 * Customer to Slack thread: from the moment a customer's message is sent to the app's HTTP
 * intake (the API channel) to the moment the Slack emulator receives the thread post that
 * shows it, less nothing of the emulator's own processing (the receipt is stamped before it
 * does any). The emulator's rate limit is off and the app is told so (SLACK_POST_RATE), so what
 * is measured is the app's path: intake, commit, the job's wake-up, the post.
 *
 * The tickets' cards exist before the measured messages start: they are follow-ups, each
 * going to its card's thread.
 */
import { startSlackEmulator, type SlackEmulator } from '../fakes/slack/index.ts';
import { startBenchApp, slackEnv, BENCH_API_TOKEN, type BenchApp } from './lib/app.ts';
import { sleep, type Bench } from './lib/bench.ts';
import { closedLoop, openLoop, type Target } from './lib/load.ts';
import { median, percentile, round, type Row } from './lib/stats.ts';

const TRIAGE = 'C0TRIAGE01';
const CUSTOMERS = 40;

function marker(i: number): string {
  return `[m${i}]`;
}

function inbound(app: BenchApp, text: (i: number) => string, from: (i: number) => number): Target {
  return {
    url: `${app.url}/api/v1/inbound`,
    headers: { authorization: `Bearer ${BENCH_API_TOKEN}`, 'content-type': 'application/json' },
    body: (i) => JSON.stringify({ id: `slack-bench-${i}`, from: `s${from(i)}@bench.example`, name: `Customer ${from(i)}`, text: text(i) }),
  };
}

/** Waits until `done()` holds, polling; throws with `what` after `ms`. */
async function until(done: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(50);
  }
}

/** Thread posts received, each with the markers it shows (queued messages may be joined). */
function threadPosts(slack: SlackEmulator, from: number): Map<number, number> {
  const seen = new Map<number, number>();
  for (const call of slack.calls.slice(from)) {
    if (call.method !== 'chat.postMessage' || !call.args.thread_ts || call.status !== 200) continue;
    for (const match of JSON.stringify(call.args).matchAll(/\[m(\d+)\]/g)) {
      const i = Number(match[1]);
      if (!seen.has(i)) seen.set(i, call.receivedAt);
    }
  }
  return seen;
}

export const slackBench: Bench = {
  name: 'slack',
  about: "customer message to its Slack thread post, less the emulator's own time (rate limits off)",
  async run(ctx) {
    const durationMs = ctx.quick ? 8_000 : 30_000;
    const rate = 20;
    const slack = await startSlackEmulator({ rateLimits: false });
    const db = await ctx.pg.createDatabase('slack');
    let app: BenchApp | undefined;
    try {
      // The emulator's limit is off; the app's own pacing to Slack's 1/s per channel too.
      app = await startBenchApp(db.url, slackEnv(slack, TRIAGE, 1000));

      ctx.progress(`slack: ${CUSTOMERS} tickets and their cards`);
      const opened = await closedLoop(inbound(app, () => 'Hello, where is my parcel?', (i) => i), { concurrency: 8, count: CUSTOMERS });
      if (opened.failed > 0) throw new Error(`first messages failed: ${opened.firstFailure}`);
      await until(() => slack.messages(TRIAGE).length >= CUSTOMERS, 30_000, () => `${CUSTOMERS} cards (${slack.messages(TRIAGE).length} so far)`);
      await sleep(1_000); // let the cards' follow-up work (re-renders) finish

      ctx.progress(`slack: follow-ups at ${rate}/s for ${durationMs / 1000} s, each timed to its thread post`);
      const first = CUSTOMERS;
      const sentAt = new Map<number, number>();
      const callsBefore = slack.calls.length;
      slack.resetLatencyStats();
      const steady = await openLoop(inbound(app, (i) => `Still waiting ${marker(i)}`, (i) => i % CUSTOMERS), {
        ratePerSecond: rate,
        durationMs,
        first,
        onSend: (i, at) => sentAt.set(i, at),
      });
      if (steady.failed > 0) throw new Error(`follow-ups failed: ${steady.firstFailure}`);
      await until(() => threadPosts(slack, callsBefore).size >= sentAt.size, 30_000, () => `thread posts (${threadPosts(slack, callsBefore).size} of ${sentAt.size})`);

      const received = threadPosts(slack, callsBefore);
      const overhead = [...sentAt].map(([i, at]) => received.get(i)! - at);
      const posts = slack.calls.slice(callsBefore).filter((c) => c.method === 'chat.postMessage' && c.args.thread_ts).length;
      const own = slack.latency;
      const rows: Row[] = [
        {
          name: 'slack_e2e_overhead_p99_ms',
          value: round(percentile(overhead, 0.99)),
          unit: 'ms',
          goal: { op: '<=', target: 250 },
          note: `p50 ${round(median(overhead))} ms; ${overhead.length} msgs at ${rate}/s over ${CUSTOMERS} threads in ${posts} posts; emulator's own p99 ${round(own.p99Ms, 2)} ms excluded`,
        },
      ];
      return rows;
    } finally {
      await app?.stop();
      await slack.close();
      await db.drop();
    }
  },
};
