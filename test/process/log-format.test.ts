import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveLogFormat } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort, runSwitchboard } from '../helpers/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let db: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-logs-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts `node src/main.ts` with stdout a pipe, waits until it listens, stops it; returns stdout. */
async function runOnce(extra: Record<string, string>): Promise<string> {
  const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: String(await freePort()), API_CHANNEL_TOKEN: 'log-format-token-0123456789', ...extra };
  const run = runSwitchboard(env, 'node');
  await run.waitFor(/switchboard listening/, 60_000);
  run.signalGroup('SIGTERM');
  expect(await run.exited).toBe(0);
  return run.output();
}

describe('log format', () => {
  it('is JSON lines when standard output is not a terminal', { timeout: 90_000 }, async () => {
    const lines = (await runOnce({})).split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(3);
    const parsed = lines.map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(parsed.find((l) => /^switchboard listening/.test(l.msg))).toMatchObject({ level: 'info' });
  });

  it('is readable lines with LOG_FORMAT=pretty, whatever standard output is', { timeout: 90_000 }, async () => {
    const output = await runOnce({ LOG_FORMAT: 'pretty' });
    const listening = output.split('\n').find((l) => l.includes('switchboard listening'));
    expect(listening).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: switchboard listening on http/);
    expect(output).not.toMatch(/^\{"level"/m);
  });

  it('is pretty and coloured when standard output is a terminal', { timeout: 90_000 }, async () => {
    // `script` gives the process a pseudo-terminal, as a person's shell does.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: String(await freePort()), API_CHANNEL_TOKEN: 'log-format-token-0123456789', TERM: 'xterm' };
    const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} src/main.ts`, '/dev/null'], { cwd: root, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const until = Date.now() + 60_000;
    while (!output.includes('switchboard listening') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    const listening = output.split('\n').find((l) => l.includes('switchboard listening'));
    expect(listening, output).toBeDefined();
    expect(listening).toContain('\u001b['); // ANSI colour
    expect(listening).not.toContain('{"level"');
  });

  it('LOG_FORMAT overrides the terminal check', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});
