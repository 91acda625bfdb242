import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runSwitchboard } from '../helpers/process.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-fresh-'));
  await chmod(dataDir, 0o755); // embedded Postgres may run as its own user
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('a fresh start with no environment', () => {
  it('runs on embedded Postgres, prints a token, and keeps a message across a restart', { timeout: 120_000 }, async () => {
    const port = await freePort();
    // Only what a newcomer's shell has, plus where to listen and keep data in this test.
    const env = { DATA_DIR: path.join(dataDir, 'data'), PORT: String(port) };
    const first = runSwitchboard(env);
    const [, token] = await first.waitFor(/API channel token \(generated[^)]*\): (\S+)/, 60_000);
    await first.waitFor(/switchboard listening/);
    expect(first.output()).toMatch(/embedded Postgres ready/);
    expect(first.output()).toMatch(/channel api: on/);
    expect(first.output()).toMatch(/channel sms: off \(missing TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN/);
    expect(first.output()).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/api\/v1\/inbound/);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const posted = await fetch(`http://127.0.0.1:${port}/api/v1/inbound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'first-message', from: 'newcomer@example.com', text: 'Does this survive?' }),
    });
    expect(posted.status).toBe(200);
    const { ticket } = (await posted.json()) as { ticket: number };
    first.signalGroup('SIGINT'); // Ctrl-C
    expect(await first.exited).toBe(0);

    const second = runSwitchboard(env);
    await second.waitFor(/switchboard listening/, 60_000);
    expect(second.output()).not.toContain(token!); // kept in DATA_DIR, not printed again
    const view = await fetch(`http://127.0.0.1:${port}/api/v1/tickets/${ticket}`, { headers: { authorization: `Bearer ${token}` } });
    expect(view.status).toBe(200);
    expect(((await view.json()) as { messages: { text: string }[] }).messages.map((m) => m.text)).toEqual(['Does this survive?']);
    second.signalGroup('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
