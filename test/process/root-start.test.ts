import { execFileSync, spawn } from 'node:child_process';
import { lstat, mkdtemp, readlink, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_DIR } from '../../src/db/embedded-place.ts';
import { freePort } from '../helpers/process.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;
let privateDir: string | undefined;
let clusterHome: string | undefined;
afterAll(async () => {
  if (privateDir) await rm(privateDir, { recursive: true, force: true });
  if (clusterHome) await rm(clusterHome, { recursive: true, force: true });
});

describe('a first run as root', () => {
  // A fresh server: the clone sits in /root (0700), npm start runs as root with no configuration.
  it.skipIf(!isRoot)('is healthy on embedded Postgres from a checkout in a private directory', { timeout: 180_000 }, async () => {
    privateDir = await mkdtemp('/root/switchboard-root-test-');
    expect((await stat(privateDir)).mode & 0o077).toBe(0);
    const checkout = path.join(privateDir, 'checkout');
    // The checkout as a clone plus npm install would leave it: hard links when /root is on the
    // same file system (a second), a copy when not.
    const parts = ['package.json', 'tsconfig.json', 'src', 'channels', 'migrations', 'node_modules'].map((f) => path.join(root, f));
    execFileSync('mkdir', [checkout]);
    try {
      execFileSync('cp', ['-al', ...parts, checkout], { stdio: 'ignore' });
    } catch {
      await rm(checkout, { recursive: true, force: true });
      execFileSync('mkdir', [checkout]);
      execFileSync('cp', ['-a', ...parts, checkout]);
    }

    const port = await freePort();
    const child = spawn('npm', ['start', '--silent'], { cwd: checkout, env: { PATH: process.env.PATH ?? '', HOME: '/root', PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const until = Date.now() + 120_000;
      while (!/switchboard listening/.test(output)) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`not listening; output:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const token = /API channel token \(generated[^)]*\): (\S+)/.exec(output)![1]!;
      const posted = await fetch(`http://127.0.0.1:${port}/api/v1/inbound`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'root-1', from: 'root@example.com', text: 'hello from a root install' }),
      });
      expect(posted.status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output).toContain(`using its binaries copied to ${SYSTEM_DIR}/pgsql-`);
    const link = path.join(checkout, '.data', 'postgres');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    const cluster = await readlink(link);
    expect(cluster).toMatch(new RegExp(`^${SYSTEM_DIR}/[0-9a-f]{16}/cluster$`));
    clusterHome = path.dirname(cluster);
    expect((await stat(clusterHome)).mode & 0o777).toBe(0o711);
    expect((await stat(cluster)).mode & 0o777).toBe(0o700);
  });
});
