import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort, runSwitchboard } from '../helpers/process.ts';

const TOKEN = 'shutdown-test-token-0123456789';
let db: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-shutdown-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('shutdown', () => {
  it('keeps every message it answered 2xx when SIGTERM arrives with requests in flight', async () => {
    const port = await freePort();
    const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: String(port), API_CHANNEL_TOKEN: TOKEN, LOG_LEVEL: 'info' };
    const run = runSwitchboard(env);
    await run.waitFor(/switchboard listening/);

    const acknowledged: string[] = [];
    const refused: number[] = [];
    let stop = false;
    const sender = async (lane: number) => {
      for (let i = 0; !stop; i++) {
        const id = `lane${lane}-${i}`;
        try {
          const response = await fetch(`http://127.0.0.1:${port}/api/v1/inbound`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ id, from: `sender-${lane}`, text: `message ${i}` }),
          });
          await response.text();
          if (response.ok) acknowledged.push(id);
          else refused.push(response.status);
        } catch {
          stop = true; // the server has closed: nothing more can be in flight
        }
      }
    };
    const lanes = Promise.all(Array.from({ length: 8 }, (_, lane) => sender(lane)));
    // Let traffic build up, then stop while requests are in flight.
    for (let waited = 0; acknowledged.length < 30 && waited < 20_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    run.signalGroup('SIGTERM');
    const code = await run.exited;
    stop = true;
    await lanes;

    const outcome = { code, stopped: /"msg":"stopped"/.test(run.output()), refusedWith: [...new Set(refused)].filter((s) => s !== 503) };
    expect(outcome, run.output().slice(-3000)).toEqual({ code: 0, stopped: true, refusedWith: [] });
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);

    const again = runSwitchboard(env, 'node');
    await again.waitFor(/switchboard listening/);
    const stored = await db.sql<{ externalId: string }[]>`select external_id from messages where direction = 'inbound'`;
    const ids = new Set(stored.map((r) => r.externalId));
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
    again.signalGroup('SIGTERM');
    expect(await again.exited).toBe(0);
  });
});
