/**
 * Switchboard as a supervisor runs it: `node src/main.ts` in its own process group on a fixed
 * port (clients keep their address across a restart) and a DATA_DIR that outlives the process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, runSwitchboard, type RunningProcess } from '../../helpers/process.ts';

export const CHAOS_API_TOKEN = 'chaos-api-token-0123456789abcdef';

export interface ChaosApp {
  url: string;
  port: number;
  /** The process now running, if any. */
  current(): RunningProcess | undefined;
  /** Every line it (and each earlier run) printed. */
  output(): string;
  /** Starts it (again); resolves once it listens. */
  start(): Promise<void>;
  /** SIGKILL to the whole group: no drain, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM, as a supervisor stops it; resolves with the exit code. */
  terminate(): Promise<number | null>;
  close(): Promise<void>;
}

export async function chaosApp(env: Record<string, string>, options: { name?: string } = {}): Promise<ChaosApp> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), `switchboard-chaos-${options.name ?? 'app'}-`));
  let run: RunningProcess | undefined;
  let earlier = '';
  const fullEnv = { API_CHANNEL_TOKEN: CHAOS_API_TOKEN, LOG_LEVEL: 'info', DATA_DIR: dataDir, PORT: String(port), ...env };
  const stopped = async () => {
    if (!run) return;
    earlier += run.output();
    run = undefined;
  };
  const app: ChaosApp = {
    url: `http://127.0.0.1:${port}`,
    port,
    current: () => run,
    output: () => earlier + (run?.output() ?? ''),
    async start() {
      run = runSwitchboard(fullEnv, 'node');
      await run.waitFor(/switchboard listening/, 90_000);
    },
    async kill() {
      if (!run) return;
      const exited = run.exited;
      try {
        run.signalGroup('SIGKILL');
      } catch {
        // already gone
      }
      await exited;
      await stopped();
    },
    async terminate() {
      if (!run) return null;
      const exited = run.exited;
      run.signalGroup('SIGTERM');
      const code = await exited;
      await stopped();
      return code;
    },
    async close() {
      await app.kill();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return app;
}
