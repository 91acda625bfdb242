import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_CHANNEL } from '../fakes/connection/channel.ts';
import { startConnectionPlatform, type ConnectionPlatform } from '../fakes/connection/platform.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { freePort, runSwitchboard, type RunningProcess } from '../helpers/process.ts';

let db: TestDatabase;
let platform: ConnectionPlatform;
const dirs: string[] = [];
const running: RunningProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  platform = await startConnectionPlatform();
});
afterAll(async () => {
  for (const run of running) {
    try {
      run.signalGroup('SIGKILL');
    } catch {
      // already gone
    }
  }
  await platform?.close();
  await db?.drop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function instance(name: string): Promise<RunningProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `switchboard-failover-${name}-`));
  dirs.push(dataDir);
  const run = runSwitchboard(
    {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      API_CHANNEL_TOKEN: 'failover-test-token-0123456789',
      LOG_LEVEL: 'info',
      FAKE_PLATFORM_URL: platform.url,
      FAKE_PLATFORM_TOKEN: platform.token,
      SWITCHBOARD_INSTANCE: name,
    },
    { script: 'test/fakes/connection/instance.ts' },
  );
  running.push(run);
  await run.waitFor(/switchboard listening/);
  return run;
}

const holder = async () => (await db.sql<{ holder: string | null; epoch: string; state: string }[]>`select holder, epoch, state from channel_connections where module = 'fakechat'`)[0];
const stored = async (id: string) => (await db.sql`select 1 from messages where channel = ${FAKE_CHANNEL} and external_id = ${id}`).length;

describe('fail-over between processes', () => {
  it('hands the connection to the other process within 30 s of the holder being killed, missing nothing and storing nothing twice', { timeout: 90_000 }, async () => {
    const first = await instance('first');
    await expect.poll(async () => (await holder())?.state, { timeout: 20_000 }).toBe('connected');
    const second = await instance('second');
    const before = platform.customerWrites({ chat: 'chat-kill', from: 'kim', text: 'before the crash' });
    await expect.poll(() => stored(before), { timeout: 15_000 }).toBe(1);
    const held = (await holder())!;
    expect(held.holder).toBe('first');

    first.signalGroup('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const during = ['while nobody holds it 1', 'while nobody holds it 2'].map((text) => platform.customerWrites({ chat: 'chat-kill', from: 'kim', text }));
    await expect
      .poll(async () => {
        const now = await holder();
        return now?.holder === 'second' && Number(now.epoch) > Number(held.epoch) && now.state === 'connected';
      }, { timeout: 30_000, interval: 200 })
      .toBe(true);
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(30_000);
    for (const id of during) await expect.poll(() => stored(id), { timeout: 15_000 }).toBe(1);
    const counts = await db.sql<{ n: number }[]>`select count(*)::int as n from messages where channel = ${FAKE_CHANNEL} group by external_id`;
    expect(counts.map((c) => c.n)).toEqual([1, 1, 1]);
    console.log(`fail-over after SIGKILL: the second process held the connection ${tookOverMs} ms after the kill`);

    second.signalGroup('SIGTERM');
    expect(await second.exited).toBe(0);
    expect((await holder())!.state).toBe('stopped');
  });
});
