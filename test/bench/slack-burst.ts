/**
 * A burst of new tickets into one triage channel: N customers' first messages sent to the HTTP
 * intake (the API channel) all at once, each making a ticket whose card goes to the same Slack
 * channel. Slack's chat.postMessage "generally allows posting one message per second per
 * channel" (https://docs.slack.dev/apis/web-api/rate-limits), which the emulator enforces (its
 * default bucket: that rate, bursts of 3) and the app paces itself to (SLACK_POST_RATE). So the
 * last of N cards cannot arrive before (N - 1) / rate seconds after the burst: that is the
 * ideal, and `slack_burst_ratio` is the time the last card actually arrived over it.
 *
 * The full run is Slack's own 1 post/s with 200 tickets (about 3.5 minutes); --quick runs 50
 * tickets at 5 posts/s, the emulator and the app both told the faster rate, which shortens
 * everything but the app's own per-card work and so reads a little higher, not lower.
 */
import { startSlackEmulator } from '../fakes/slack/index.ts';
import { startBenchApp, slackEnv, BENCH_API_TOKEN, type BenchApp } from './lib/app.ts';
import { sleep, type Bench } from './lib/bench.ts';
import { closedLoop } from './lib/load.ts';
import { round, type Row } from './lib/stats.ts';

const TRIAGE = 'C0TRIAGE01';

/** Card posts (top-level chat.postMessage answered 200) in `channel`, as the emulator received them. */
function cardPosts(slack: Awaited<ReturnType<typeof startSlackEmulator>>, channel: string) {
  return slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200 && c.args.channel === channel && !c.args.thread_ts);
}

export const slackBurstBench: Bench = {
  name: 'slack-burst',
  about: 'a burst of new tickets into one triage channel: last card posted vs the 1 post/s per channel ideal',
  async run(ctx) {
    const tickets = ctx.quick ? 50 : 200;
    const postsPerSecond = ctx.quick ? 5 : 1;
    const slack = await startSlackEmulator({ rateLimits: { postsPerSecond } });
    const db = await ctx.pg.createDatabase('slack_burst');
    let app: BenchApp | undefined;
    try {
      app = await startBenchApp(db.url, slackEnv(slack, TRIAGE, postsPerSecond));
      const ideal = (tickets - 1) / postsPerSecond;
      ctx.progress(`slack-burst: ${tickets} new tickets at once, cards at ${postsPerSecond}/s (ideal ${ideal} s)`);
      const start = Date.now();
      const burst = await closedLoop(
        {
          url: `${app.url}/api/v1/inbound`,
          headers: { authorization: `Bearer ${BENCH_API_TOKEN}`, 'content-type': 'application/json' },
          body: (i) => JSON.stringify({ id: `burst-${i}`, from: `b${i}@bench.example`, name: `Customer ${i}`, text: `My order #${1000 + i} has not arrived` }),
        },
        { concurrency: tickets, count: tickets },
      );
      if (burst.failed > 0) throw new Error(`burst requests failed: ${burst.firstFailure}`);
      const ingested = Date.now() - start;
      const deadline = start + ideal * 3_000 + 60_000;
      while (cardPosts(slack, TRIAGE).length < tickets) {
        if (Date.now() > deadline) throw new Error(`only ${cardPosts(slack, TRIAGE).length} of ${tickets} cards posted in ${((Date.now() - start) / 1000).toFixed(0)} s`);
        await sleep(100);
      }
      const posts = cardPosts(slack, TRIAGE);
      const first = Math.min(...posts.map((c) => c.receivedAt));
      const last = Math.max(...posts.map((c) => c.receivedAt));
      const actual = (last - start) / 1000;
      const limited = slack.rateLimited.filter((r) => r.method === 'chat.postMessage').length;
      // Each card once: a second post of one ticket's card would show as a duplicate text.
      const distinct = new Set(posts.map((c) => String(c.args.text))).size;
      if (distinct !== tickets) throw new Error(`${posts.length} card posts for ${tickets} tickets (${distinct} distinct)`);
      const rows: Row[] = [
        {
          name: 'slack_burst_ratio',
          value: round(actual / ideal, 3),
          unit: 'ratio',
          note: `${tickets} tickets at once into one channel at ${postsPerSecond} post/s: first card after ${round((first - start) / 1000)} s, last after ${round(actual)} s, ideal ${round(ideal)} s; all acknowledged in ${round(ingested / 1000)} s; ${limited} posts answered 429`,
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
