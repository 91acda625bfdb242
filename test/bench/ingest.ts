/**
 * Ingest through the real HTTP intake (the API channel, a load generator on loopback) against
 * the database's own limit: the system's pgbench running the same transactions' SQL, written as
 * pgbench scripts, on the same database in the same run.
 *
 * Mix, both sides: one message in five is a new customer's first (a new ticket, its SLA timer),
 * four in five a known customer's follow-up on their open ticket.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PgBoss } from 'pg-boss';
import { QUEUES } from '../../src/jobs/index.ts';
import { startBenchApp, BENCH_API_TOKEN, type BenchApp } from './lib/app.ts';
import type { Bench } from './lib/bench.ts';
import { closedLoop, openLoop, type Target } from './lib/load.ts';
import { median, percentile, round, type Row } from './lib/stats.ts';

const run = promisify(execFile);
const NEW_EVERY = 5;
// Requests in flight for the capacity run: enough to keep the pool (10) and the event loop busy.
const CONCURRENCY = 32;
const PGBENCH_CLIENTS = 16;
const WARM_UP_MS = 15_000;

/** The API channel's inbound body for the i-th message of the mix. */
export function mixTarget(app: BenchApp, runId: string): Target & { senders(upTo: number): number } {
  const senderOf = (i: number) => {
    const newOnes = Math.floor(i / NEW_EVERY);
    if (i % NEW_EVERY === 0) return newOnes;
    // A customer who wrote well before (the first message has long been committed).
    const known = Math.max(0, newOnes - CONCURRENCY);
    return known === 0 ? 0 : (i * 2654435761) % known;
  };
  return {
    url: `${app.url}/api/v1/inbound`,
    headers: { authorization: `Bearer ${BENCH_API_TOKEN}`, 'content-type': 'application/json' },
    body: (i) => {
      const s = senderOf(i);
      const first = i % NEW_EVERY === 0;
      return JSON.stringify({
        id: `${runId}-${i}`,
        from: `c${s}@bench.example`,
        name: `Customer ${s}`,
        text: first ? 'Hello, my order #4411 has not arrived yet' : 'Any news on my order? It still shows as processing.',
      });
    },
    senders: (upTo) => Math.floor((upTo - 1) / NEW_EVERY) + 1,
  };
}

/** The SQL pg-boss sends to upsert a ticket's timer job, with the ticket id as a pgbench variable. */
async function timerStatements(url: string): Promise<{ update: string; insert: string }> {
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, max: 1 });
  await boss.start();
  const seen: { text: string; values: unknown[] }[] = [];
  const TOKEN = 987654321;
  try {
    await boss.upsert(QUEUES.slaTimer, { ticketId: TOKEN }, {
      singletonKey: String(TOKEN),
      startAfter: new Date(Date.now() + 6 * 3_600_000),
      priority: 1,
      db: {
        async executeSql(text: string, values?: unknown[]) {
          seen.push({ text, values: values ?? [] });
          return { rows: [] };
        },
      },
    });
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
  if (seen.length < 2) throw new Error(`pg-boss upsert issued ${seen.length} statements, expected an update and an insert`);
  const bind = ({ text, values }: { text: string; values: unknown[] }) =>
    text.trim().replace(/\$1\b/g, `replace(${literal(String(values[0]))}, '${TOKEN}', :t_id::text)`);
  return { update: bind(seen[0]!), insert: bind(seen[1]!) };
}

/**
 * A SQL string literal pgbench leaves alone: pgbench reads `:name` as a variable even inside
 * quotes, so a colon before a letter or digit is spelled chr(58).
 */
function literal(value: string): string {
  return `(${value
    .split(/:(?=[A-Za-z0-9_])/)
    .map((part) => `'${part.replaceAll("'", "''")}'`)
    .join(' || chr(58) || ')})`;
}

async function pgbench(url: string, dir: string, senders: number, seconds: number): Promise<{ tps: number; latencyMs: number; output: string }> {
  const { stdout, stderr } = await run(
    'pgbench',
    ['-n', '-M', 'prepared', '-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(seconds), '-D', `senders=${senders}`,
      '-f', `${path.join(dir, 'new.sql')}@1`, '-f', `${path.join(dir, 'follow.sql')}@${NEW_EVERY - 1}`, url],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const output = stdout + stderr;
  const tps = Number(output.match(/tps = ([\d.]+)/)?.[1]);
  const latencyMs = Number(output.match(/latency average = ([\d.]+) ms/)?.[1]);
  const failed = Number(output.match(/number of failed transactions: (\d+)/)?.[1] ?? 0);
  if (!Number.isFinite(tps) || failed > 0) throw new Error(`pgbench did not run cleanly:\n${output}`);
  return { tps, latencyMs, output };
}

async function hasPgbench(): Promise<boolean> {
  try {
    await run('pgbench', ['--version']);
    return true;
  } catch {
    return false;
  }
}

export const ingestBench: Bench = {
  name: 'ingest',
  about: 'messages/s through HTTP intake vs pgbench running the same SQL; ack p99 at 80 % of capacity',
  async run(ctx) {
    const phaseMs = ctx.quick ? 5_000 : 20_000;
    const db = await ctx.pg.createDatabase('ingest');
    const app = await startBenchApp(db.url);
    const scripts = await mkdtemp(path.join(tmpdir(), 'switchboard-pgbench-'));
    try {
      const target = mixTarget(app, 'ingest');
      let sent = 0;
      // Long enough for V8 to have optimised the intake path: profiled 5 s in, its optimising
      // compiler still took 18 % of the app's CPU during the capacity run.
      ctx.progress(`ingest: warm-up, ${WARM_UP_MS / 1000} s`);
      const warm = await closedLoop(target, { concurrency: CONCURRENCY, durationMs: ctx.quick ? 2_000 : WARM_UP_MS, first: sent });
      sent += warm.sent;
      if (warm.failed > 0) throw new Error(`warm-up requests failed: ${warm.firstFailure}`);

      ctx.progress(`ingest: capacity, ${CONCURRENCY} requests in flight for ${phaseMs / 1000} s`);
      const cpuBefore = await app.cpuMs();
      const capacity = await closedLoop(target, { concurrency: CONCURRENCY, durationMs: phaseMs, first: sent });
      const cpuPerMsg = ((await app.cpuMs()) - cpuBefore) / capacity.ok;
      sent += capacity.sent;
      if (capacity.failed > 0) throw new Error(`capacity requests failed: ${capacity.firstFailure}`);
      const msgsPerS = (capacity.ok / capacity.elapsedMs) * 1000;

      // Right after the capacity run, on the same data, so 80 % of what was measured is 80 % of
      // what the app can do now; pgbench comes last (its follow-ups write to the senders made here).
      const rate = Math.max(1, Math.floor(msgsPerS * 0.8));
      ctx.progress(`ingest: open loop at ${rate}/s (80 % of capacity) for ${phaseMs / 1000} s`);
      const steady = await openLoop(target, { ratePerSecond: rate, durationMs: phaseMs, first: sent });
      sent += steady.sent;
      if (steady.failed > 0) throw new Error(`steady requests failed: ${steady.firstFailure}`);

      let pg: { tps: number; latencyMs: number } | undefined;
      if (await hasPgbench()) {
        const timer = await timerStatements(db.url);
        const here = path.dirname(new URL(import.meta.url).pathname);
        for (const name of ['new.sql', 'follow.sql']) {
          const text = (await readFile(path.join(here, 'ingest', name), 'utf8'))
            .replace('{{TIMER_UPDATE}}', timer.update)
            .replace('{{TIMER_INSERT}}', timer.insert);
          await writeFile(path.join(scripts, name), text);
        }
        ctx.progress(`ingest: pgbench, ${PGBENCH_CLIENTS} clients for ${phaseMs / 1000} s`);
        pg = await pgbench(db.url, scripts, target.senders(sent), phaseMs / 1000);
      } else {
        ctx.progress('ingest: pgbench not found (apt install postgresql-client): no database baseline');
      }

      const rows: Row[] = [
        { name: 'ingest_msgs_per_s', value: round(msgsPerS), unit: 'msg/s', note: `HTTP intake, ${CONCURRENCY} in flight, 1 in ${NEW_EVERY} a new ticket` },
        { name: 'pgbench_tps', value: pg ? round(pg.tps) : Number.NaN, unit: 'tx/s', note: `same SQL, ${PGBENCH_CLIENTS} clients, -M prepared` },
        { name: 'ingest_vs_pgbench', value: pg ? round(msgsPerS / pg.tps, 3) : Number.NaN, unit: 'ratio', goal: { op: '>=', target: 0.5 } },
        // The app's own CPU per message: what throughput costs it, much less swayed than msg/s
        // by whatever else runs on the machine.
        { name: 'ingest_app_cpu_ms_per_msg', value: round(cpuPerMsg, 3), unit: 'ms', note: 'CPU time of the app process (user + system) over the capacity run, per message' },
        { name: 'ingest_p99_ms', value: round(percentile(steady.latencies, 0.99)), unit: 'ms', goal: { op: '<=', target: 150 }, note: `open loop at ${rate}/s; p50 ${round(median(steady.latencies))} ms` },
      ];
      return rows;
    } finally {
      await app.stop();
      await rm(scripts, { recursive: true, force: true });
      await db.drop();
    }
  },
};
