/**
 * Switchboard as a user runs it: `node src/main.ts` in its own process with only the
 * environment given, so its memory is its own and the load generator does not share its event
 * loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

export const BENCH_API_TOKEN = 'bench-api-token-0123456789abcdef';

export interface BenchApp {
  url: string;
  pid: number;
  /** Resident set size of the app process, in MiB (VmRSS). */
  rssMb(): Promise<number>;
  /** CPU time the app process has used so far (user + system), in ms. */
  cpuMs(): Promise<number>;
  /** Lines the app logged (JSON), for what a benchmark needs to read back. */
  logs(): string[];
  stop(): Promise<void>;
}

/** Starts the app against `databaseUrl` with `env` on a free port and waits until it listens. */
export async function startBenchApp(databaseUrl: string, env: Record<string, string> = {}): Promise<BenchApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-bench-'));
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      API_CHANNEL_TOKEN: BENCH_API_TOKEN,
      // e.g. --cpu-prof --cpu-prof-dir=/tmp/prof, to see where the app spends a benchmark.
      ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffered = '';
  let stderr = '';
  let onLine: ((line: string) => void) | undefined;
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      // Per-message lines are many; keep only what is not routine.
      if (!line.includes('"message stored"')) lines.push(line);
      onLine?.(line);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start within 60 s:\n${stderr}\n${lines.join('\n')}`)), 60_000);
    onLine = (line) => {
      const match = line.match(/listening on (http:\/\/[^"\s]+)/);
      if (match) {
        clearTimeout(timer);
        onLine = undefined;
        resolve(match[1]!.replace('0.0.0.0', '127.0.0.1'));
      }
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code}) before listening:\n${stderr}\n${lines.join('\n')}`));
    });
  });

  return {
    url,
    pid: child.pid!,
    async rssMb() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(status.match(/VmRSS:\s+(\d+)\s+kB/)?.[1]);
      return kb / 1024;
    },
    async cpuMs() {
      // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100 per second
      // on Linux); the command name (field 2) is in parentheses and may hold spaces.
      const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    logs: () => lines,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The app's environment for Slack through `slack` (an emulator), cards to `triage`, posts paced to `postsPerSecond`. */
export function slackEnv(slack: { botToken: string; signingSecret: string; url: string }, triage: string, postsPerSecond: number): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.url,
    SLACK_TRIAGE_CHANNEL: triage,
    SLACK_POST_RATE: String(postsPerSecond),
  };
}
