import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startSwitchboard, type Switchboard } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { withDatabase } from '../setup/server.ts';
import { freePort, runSwitchboard } from '../helpers/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'backup-test-token-0123456789abcdef';

let work: string;
let admin: postgres.Sql;
const databases: string[] = [];
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'switchboard-backup-test-'));
  await chmod(work, 0o755); // embedded Postgres may run as its own user, which must reach DATA_DIR
  admin = postgres(withDatabase(inject('databaseServerUrl'), 'postgres'), { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  for (const name of databases) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin?.end();
  await rm(work, { recursive: true, force: true });
});

/** A new, empty database on the test server. */
async function emptyDatabase(): Promise<string> {
  const name = `${inject('databasePrefix')}bk_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  databases.push(name);
  return withDatabase(inject('databaseServerUrl'), name);
}

function start(databaseUrl: string, dataDir: string): Promise<Switchboard> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_CHANNEL_TOKEN: TOKEN });
  return startSwitchboard({ config, hostname: '127.0.0.1' });
}

/** `npm run <script> <file>` with exactly this environment; resolves with exit code and output. */
function npmRun(script: 'backup' | 'restore', file: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, file], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

const view = async (app: Switchboard, number: number) => {
  const response = await fetch(`${app.url}/api/v1/tickets/${number}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return response.json() as Promise<{ messages: { text: string; direction: string; attachments: unknown[] }[] }>;
};

describe('backup and restore', () => {
  it('round-trips tickets, messages and stored files into an empty database, and refuses a non-empty one', { timeout: 180_000 }, async () => {
    const sourceUrl = await emptyDatabase();
    const sourceDir = path.join(work, 'source');
    const photo = randomBytes(2048);
    const source = await start(sourceUrl, sourceDir);
    let before: Awaited<ReturnType<typeof view>>;
    let tickets: number[];
    try {
      const post = async (body: Record<string, unknown>) => {
        const response = await fetch(`${source.url}/api/v1/inbound`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(response.status).toBe(200);
        return ((await response.json()) as { ticket: number }).ticket;
      };
      const first = await post({ id: 'bk-1', from: 'ada@example.com', text: 'my parcel is broken', attachments: [{ name: 'photo.jpg', contentType: 'image/jpeg', data: photo.toString('base64') }] });
      await post({ id: 'bk-2', from: 'ada@example.com', text: 'any news?' });
      await source.tickets.note({ ticket: first, author: 'U0AGENT001', text: 'asked the courier' });
      const second = await post({ id: 'bk-3', from: 'bob@example.com', text: 'another question' });
      tickets = [first, second];
      before = await view(source, first);
    } finally {
      await source.stop();
    }
    expect(before.messages.map((m) => m.text)).toEqual(['my parcel is broken', 'any news?', 'asked the courier']);

    const file = path.join(work, 'desk.backup.tar');
    const made = await npmRun('backup', file, { DATABASE_URL: sourceUrl, DATA_DIR: sourceDir });
    expect(made.output).toMatch(/backup written to .*desk\.backup\.tar \(database: pg_dump, PostgreSQL \d+.*1 stored files\)/);
    expect(made.code).toBe(0);

    const targetUrl = await emptyDatabase();
    const targetDir = path.join(work, 'target');
    const restored = await npmRun('restore', file, { DATABASE_URL: targetUrl, DATA_DIR: targetDir });
    expect(restored.output).toMatch(/restored .*desk\.backup\.tar/);
    expect(restored.code).toBe(0);

    const target = await start(targetUrl, targetDir);
    try {
      const after = await view(target, tickets[0]!);
      expect(after).toEqual(before);
      expect((await view(target, tickets[1]!)).messages.map((m) => m.text)).toEqual(['another question']);
      expect(after.messages[0]!.attachments).toEqual([{ name: 'photo.jpg', contentType: 'image/jpeg', size: photo.byteLength }]);
      const [row] = await target.database.sql<{ attachments: { ref: string }[] }[]>`select attachments from messages where external_id = 'bk-1'`;
      expect(Buffer.from(await target.tickets.context.files.read(row!.attachments[0]!.ref)).equals(photo)).toBe(true);
      // The restored desk carries on: the numbering continues, nothing is reused.
      const next = await fetch(`${target.url}/api/v1/inbound`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'bk-4', from: 'cleo@example.com', text: 'after the restore' }) });
      expect(((await next.json()) as { ticket: number }).ticket).toBe(Math.max(...tickets) + 1);
    } finally {
      await target.stop();
    }

    const again = await npmRun('restore', file, { DATABASE_URL: targetUrl, DATA_DIR: targetDir });
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/restore failed: the database is not empty \(it has tables: .*\): restore loads into an empty database only/);
    expect(await readFile(path.join(targetDir, 'api-token'), 'utf8').catch(() => 'none')).toBe('none'); // API_CHANNEL_TOKEN set: nothing generated
  });

  it('copies a running embedded desk and restores it into a fresh DATA_DIR', { timeout: 300_000 }, async () => {
    const sourceDir = path.join(work, 'embedded-source');
    const env = { DATA_DIR: sourceDir, API_CHANNEL_TOKEN: TOKEN };
    const port = await freePort();
    const running = runSwitchboard({ ...env, PORT: String(port) }, 'node');
    const file = path.join(work, 'embedded.backup.tar');
    const photo = randomBytes(1024);
    try {
      await running.waitFor(/switchboard listening/, 120_000);
      const posted = await fetch(`http://127.0.0.1:${port}/api/v1/inbound`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'emb-1', from: 'dora@example.com', text: 'backed up while running', attachments: [{ name: 'scan.png', contentType: 'image/png', data: photo.toString('base64') }] }),
      });
      expect(posted.status).toBe(200);
      // While the desk runs: its database is copied, not stopped.
      const made = await npmRun('backup', file, env);
      expect(made.output).toMatch(/backup written to .*\(database: (cluster|pg_dump), PostgreSQL \d+.*1 stored files\)/);
      expect(made.code).toBe(0);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    } finally {
      running.signalGroup('SIGTERM');
      await running.exited;
    }

    const targetDir = path.join(work, 'embedded-target');
    const restored = await npmRun('restore', file, { DATA_DIR: targetDir, API_CHANNEL_TOKEN: TOKEN });
    expect(restored.output).toMatch(/restored /);
    expect(restored.code).toBe(0);
    const again = await npmRun('restore', file, { DATA_DIR: targetDir, API_CHANNEL_TOKEN: TOKEN });
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/restore failed: (DATA_DIR .* already holds a database|the database is not empty)/);

    const targetPort = await freePort();
    const target = runSwitchboard({ DATA_DIR: targetDir, API_CHANNEL_TOKEN: TOKEN, PORT: String(targetPort) }, 'node');
    try {
      await target.waitFor(/switchboard listening/, 120_000);
      const response = await fetch(`http://127.0.0.1:${targetPort}/api/v1/tickets/1`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      const ticket = (await response.json()) as { messages: { text: string; attachments: unknown[] }[] };
      expect(ticket.messages.map((m) => m.text)).toEqual(['backed up while running']);
      expect(ticket.messages[0]!.attachments).toEqual([{ name: 'scan.png', contentType: 'image/png', size: photo.byteLength }]);
      const ref = (await import('node:crypto')).createHash('sha256').update(photo).digest('hex');
      expect((await readFile(path.join(targetDir, 'files', ref.slice(0, 2), ref))).equals(photo)).toBe(true);
    } finally {
      target.signalGroup('SIGTERM');
      await target.exited;
    }
  });
});
