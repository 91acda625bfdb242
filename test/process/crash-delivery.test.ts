import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort, runSwitchboard, type RunningProcess } from '../helpers/process.ts';

const TOKEN = 'crash-delivery-token-0123456789';
let db: TestDatabase;
let dir: string;
let receiver: Server;
let receiverUrl: string;
const received: { id: string; at: number }[] = [];
let hang = true;
const running: RunningProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-crash-delivery-'));
  await writeFile(path.join(dir, 'switchboard.yml'), 'customer:\n  acknowledgement: {}\n');
  // The customer's app: the first reply's request is held unanswered, as a slow platform would, so the kill lands mid-send.
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (hang) return;
      received.push({ id: (JSON.parse(body) as { id: string }).id, at: Date.now() });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/replies`;
});
afterAll(async () => {
  for (const run of running) {
    try {
      run.signalGroup('SIGKILL');
    } catch {
      // gone
    }
  }
  receiver?.closeAllConnections();
  receiver?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('a reply being sent when the app is killed', () => {
  it('goes out once within about a minute of the restart, not after the delivery job’s five-minute expiry', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const env = { DATABASE_URL: db.url, DATA_DIR: path.join(dir, 'data'), PORT: String(port), API_CHANNEL_TOKEN: TOKEN, API_CHANNEL_WEBHOOK_URL: receiverUrl, SWITCHBOARD_CONFIG: path.join(dir, 'switchboard.yml'), LOG_LEVEL: 'info' };
    const first = runSwitchboard(env, 'node');
    running.push(first);
    await first.waitFor(/switchboard listening/);
    const posted = await fetch(`http://127.0.0.1:${port}/api/v1/inbound`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'before-crash', from: 'kim@example.com', text: 'hello' }) });
    expect(posted.status).toBe(200);
    // The acknowledgement is claimed and on its way (the receiver holds it).
    await expect.poll(async () => (await db.sql`select 1 from messages where direction = 'outbound' and attempts > 0`).length, { timeout: 30_000 }).toBe(1);
    first.signalGroup('SIGKILL');
    await first.exited;
    hang = false;

    const second = runSwitchboard(env, 'node');
    running.push(second);
    await second.waitFor(/switchboard listening/, 60_000);
    const restarted = Date.now();
    await expect.poll(() => received.length, { timeout: 150_000, interval: 500 }).toBe(1);
    const tookMs = received[0]!.at - restarted;
    console.log(`reply held by the killed process went out ${tookMs} ms after the restart`);
    // The claim of the dead send holds it 60 s; the job is handed over after its missed heartbeat (20 s) and a supervision pass (15 s).
    expect(tookMs).toBeLessThan(100_000);
    const [row] = await db.sql<{ delivery: string }[]>`select delivery from messages where direction = 'outbound'`;
    expect(row!.delivery).toBe('sent');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(received).toHaveLength(1);
    second.signalGroup('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
