/**
 * `npm run bench`: every benchmark under test/bench against a real Postgres (DATABASE_URL, else
 * an embedded one) and the vendor emulators, one after another so none disturbs another.
 * Prints progress on stderr, then a table and `RESULT name=value` lines on stdout.
 *
 *   npm run bench                      all of them
 *   npm run bench -- --only ingest     one (or several, comma-separated)
 *   npm run bench -- --quick           shorter phases, to try the harness
 */
import { parseRunArgs } from './lib/args.ts';
import os from 'node:os';
import { emailBench } from './email.ts';
import { ingestBench } from './ingest.ts';
import { memoryBench } from './memory.ts';
import { pacingBench } from './pacing.ts';
import { slaBench } from './sla.ts';
import { slackBench } from './slack.ts';
import { slackBurstBench } from './slack-burst.ts';
import type { Bench, BenchContext } from './lib/bench.ts';
import { startBenchPostgres } from './lib/postgres.ts';
import { resultLine, table, type Row } from './lib/stats.ts';

const BENCHES: Bench[] = [ingestBench, slackBench, slackBurstBench, pacingBench, slaBench, memoryBench, emailBench];

async function main(): Promise<number> {
  const { only, quick } = parseRunArgs(process.argv.slice(2), BENCHES.map((x) => x.name), 'benchmark');
  const started = Date.now();
  const pg = await startBenchPostgres();
  const progress = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  progress(`Postgres: ${pg.embedded ? 'embedded' : 'DATABASE_URL'}; node ${process.version}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
  const ctx: BenchContext = { pg, quick, progress };
  const rows: Row[] = [];
  let failed = 0;
  try {
    for (const bench of BENCHES.filter((b) => !only || only.includes(b.name))) {
      progress(`${bench.name}: ${bench.about}`);
      try {
        rows.push(...(await bench.run(ctx)));
      } catch (error) {
        failed += 1;
        progress(`${bench.name} FAILED: ${(error as Error).stack ?? error}`);
      }
    }
  } finally {
    await pg.stop();
  }
  process.stdout.write(`\n${table(rows)}\n\n${rows.map(resultLine).join('\n')}\n`);
  progress(`done in ${((Date.now() - started) / 60_000).toFixed(1)} min${failed ? `; ${failed} benchmark(s) failed` : ''}`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
