/**
 * `npm run chaos`: real Switchboard processes and the vendor emulators under load while things
 * break — the app killed, Postgres restarted, platforms failing — counting what was
 * acknowledged, lost and duplicated, and 10,000 generated hostile requests per public endpoint.
 * Runs on a Postgres cluster of its own (it restarts it), never the machine's. Prints progress
 * on stderr, then a table and `RESULT name=value` lines on stdout; exits 1 when a guarantee
 * broke (a figure misses its goal, or a scenario failed).
 *
 *   npm run chaos                       every scenario
 *   npm run chaos -- --only kill9       one (or several, comma-separated)
 *   npm run chaos -- --quick            smaller volumes, to try the harness
 *   CHAOS_OUTAGE_SECONDS=20             how long an outage lasts (default 60: "a minute")
 *   CHAOS_FUZZ_RUNS=10000               generated requests per endpoint
 */
import { parseRunArgs } from '../bench/lib/args.ts';
import os from 'node:os';
import { meets, resultLine, table, type Row } from '../bench/lib/stats.ts';
import { startChaosCluster } from './lib/cluster.ts';
import type { ChaosContext, Scenario } from './lib/scenario.ts';
import { fuzzScenario } from './scenarios/fuzz.ts';
import { kill9Scenario } from './scenarios/kill9.ts';
import { slackOutageScenario, vendorOutageScenario } from './scenarios/outages.ts';
import { pairScenario } from './scenarios/pair.ts';
import { postgresScenario } from './scenarios/postgres.ts';
import { sigtermScenario } from './scenarios/sigterm.ts';

// Run one stage after another; the scenarios of a stage side by side. The two outages spend
// their minute waiting on a platform that refuses, with a trickle of traffic: they share one
// (each on its own database, emulators and app); the rest load the two cores and run alone.
const STAGES: Scenario[][] = [[kill9Scenario], [sigtermScenario], [postgresScenario], [slackOutageScenario, vendorOutageScenario], [pairScenario], [fuzzScenario]];
const SCENARIOS = STAGES.flat();

async function main(): Promise<number> {
  const { only, quick } = parseRunArgs(process.argv.slice(2), SCENARIOS.map((x) => x.name), 'scenario');
  const started = Date.now();
  const progress = (message: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  const outageSeconds = Number(process.env.CHAOS_OUTAGE_SECONDS ?? 60);
  if (!(outageSeconds > 0)) throw new Error('CHAOS_OUTAGE_SECONDS must be a positive number of seconds');
  const [load1] = os.loadavg();
  progress(`node ${process.version}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${load1!.toFixed(1)}; outages last ${outageSeconds} s`);
  const cluster = await startChaosCluster();
  progress(`own Postgres cluster on ${new URL(cluster.serverUrl).host}`);
  const ctx: ChaosContext = { cluster, quick, outageMs: outageSeconds * 1000, progress };
  const rows: Row[] = [];
  const failed: string[] = [];
  try {
    for (const stage of STAGES.map((scenarios) => scenarios.filter((s) => !only || only.includes(s.name))).filter((s) => s.length)) {
      const results = await Promise.all(
        stage.map(async (scenario) => {
          progress(`${scenario.name}: ${scenario.about}`);
          const at = Date.now();
          try {
            const got = await scenario.run(ctx);
            progress(`${scenario.name}: done in ${((Date.now() - at) / 1000).toFixed(0)} s`);
            return got;
          } catch (error) {
            failed.push(scenario.name);
            progress(`${scenario.name} FAILED: ${(error as Error).stack ?? error}`);
            return [];
          }
        }),
      );
      rows.push(...results.flat());
      if (!cluster.running()) await cluster.start().catch(() => {});
    }
  } finally {
    await cluster.destroy();
  }
  const short = rows.filter((r) => meets(r) === false);
  process.stdout.write(`\n${table(rows)}\n\n${rows.map(resultLine).join('\n')}\n`);
  const [loadEnd] = os.loadavg();
  progress(`done in ${((Date.now() - started) / 60_000).toFixed(1)} min (load average now ${loadEnd!.toFixed(1)})${failed.length ? `; failed: ${failed.join(', ')}` : ''}${short.length ? `; guarantees broken: ${short.map((r) => r.name).join(', ')}` : ''}`);
  return failed.length > 0 || short.length > 0 ? 1 : 0;
}

process.exitCode = await main();
