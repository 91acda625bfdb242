/**
 * Long polling (no PUBLIC_BASE_URL) on two instances sharing one database: one instance holds
 * getUpdates; when its database session dies the other takes over from the stored offset, and
 * what the customer wrote meanwhile is stored once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { startTelegramEmulator, type TelegramEmulator } from '../../fakes/telegram/index.ts';
import { connectionHolder, connectionLockPids, takenOver } from '../../helpers/connection-lock.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../../helpers/switchboard.ts';
import { idOf, newCustomer, telegramEnv } from './helpers.ts';

let db: TestDatabase;
let telegram: TelegramEmulator;
const instances: Record<'a' | 'b', TestSwitchboard | undefined> = { a: undefined, b: undefined };

async function startInstance(name: 'a' | 'b'): Promise<TestSwitchboard> {
  const app = await startTestSwitchboard({ db, instance: `instance-${name}`, env: telegramEnv(telegram, { polling: true }) });
  instances[name] = app;
  return app;
}

const holder = () => connectionHolder(db.sql, 'telegram');
const stored = async (update: Update) => {
  const id = idOf(update);
  await expect.poll(async () => (await db.sql`select 1 from messages where channel = 'telegram' and external_id = ${id}`).length, { timeout: 30_000, interval: 100 }).toBe(1);
  return (await db.sql<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${id}`)[0]!.number;
};

beforeAll(async () => {
  db = await createTestDatabase();
  telegram = await startTelegramEmulator();
  await startInstance('a');
  await startInstance('b');
}, 60_000);

afterAll(async () => {
  await instances.a?.close();
  await instances.b?.close();
  await telegram?.close();
  await db?.drop();
});

describe('Telegram long polling on two instances', () => {
  const customer = newCustomer('Cleo Park');
  let ticket: number;

  it('is held by exactly one instance, which deleted any webhook before polling', async () => {
    await expect.poll(async () => (await holder())?.state, { timeout: 15_000 }).toBe('connected');
    await new Promise((r) => setTimeout(r, 2_500)); // both have tried for the lock by now
    expect(['instance-a', 'instance-b']).toContain((await holder())!.holder);
    expect(telegram.calls.filter((c) => c.method === 'deleteWebhook')).toHaveLength(1);
    expect(telegram.calls.filter((c) => c.method === 'getUpdates' && c.status === 409)).toEqual([]);
  });

  it('stores what the customer writes, with the offset kept in the database', async () => {
    const update = telegram.customerWrites({ from: customer, text: 'Polling works?' });
    ticket = await stored(update);
    await expect
      .poll(async () => (await db.sql<{ value: number }[]>`select value from channel_state where module = 'telegram' and key = 'offset'`)[0]?.value, { timeout: 10_000 })
      .toBe(update.update_id + 1);
  });

  it("moves polling to the other instance when the holder's database session dies; updates sent meanwhile are stored once", { timeout: 60_000 }, async () => {
    const before = (await holder())!;
    const pids = await connectionLockPids(db.sql, 'telegram');
    expect(pids).toHaveLength(1);
    await db.sql`select pg_terminate_backend(${pids[0]!})`;
    const during = [
      telegram.customerWrites({ from: customer, text: 'during 1' }),
      telegram.customerWrites({ from: customer, text: 'during 2' }),
    ];
    expect(await takenOver(db.sql, 'telegram', before.epoch)).toBeTruthy();
    for (const update of during) expect(await stored(update)).toBe(ticket);
    const after = telegram.customerWrites({ from: customer, text: 'after' });
    expect(await stored(after)).toBe(ticket);
    const counts = await db.sql<{ n: number }[]>`select count(*)::int as n from messages where channel = 'telegram' and direction = 'inbound' group by external_id`;
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const texts = await db.sql<{ text: string }[]>`select text from messages where ticket_id = (select id from tickets where number = ${ticket}) and direction = 'inbound' order by seq`;
    expect(texts.map((t) => t.text)).toEqual(['Polling works?', 'during 1', 'during 2', 'after']);
    await expect
      .poll(async () => (await db.sql<{ value: number }[]>`select value from channel_state where module = 'telegram' and key = 'offset'`)[0]?.value, { timeout: 10_000 })
      .toBe(after.update_id + 1);
  });

  it("sends an agent's reply from either instance: the Bot API needs no held connection", async () => {
    const holding = (await holder())!.holder;
    const other = holding === 'instance-a' ? instances.b! : instances.a!;
    await other.tickets.reply({ ticket, author: 'U0AGENT001', text: 'Sent from the instance not polling' });
    await expect.poll(() => telegram.received(customer.id).map((m) => m.text), { timeout: 15_000 }).toContain('Sent from the instance not polling');
  });
});
