/**
 * Two instances share one database and one linked phone: one holds the browser session, and
 * replies leave only through it; when its database session dies, the other takes over with the
 * session kept in Postgres, without a new QR code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWhatsApp } from '../../fakes/whatsapp-web/index.ts';
import { connectionHolder, connectionLockPids, takenOver } from '../../helpers/connection-lock.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../../helpers/switchboard.ts';
import { whatsappWebModule } from './helpers.ts';

let db: TestDatabase;
let phone: FakeWhatsApp;
const instances: TestSwitchboard[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  phone = new FakeWhatsApp('15550009999');
  for (const name of ['wa-a', 'wa-b']) {
    instances.push(await startTestSwitchboard({ db, instance: name, extraChannelModules: [await whatsappWebModule(phone, name)] }));
  }
}, 60_000);
afterAll(async () => {
  for (const app of instances) await app.close().catch(() => {});
  await db?.drop();
});

const holder = () => connectionHolder(db.sql, 'whatsapp-web');
const stored = async (id: string) => {
  await expect.poll(async () => (await db.sql`select 1 from messages where external_id = ${id}`).length, { timeout: 20_000 }).toBe(1);
  return (await db.sql<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${id}`)[0]!.number;
};

describe('the linked device on two instances', () => {
  let ticket: number;

  it('runs one browser session, on the instance holding the lock', async () => {
    await expect.poll(() => phone.waiting?.instance, { timeout: 15_000 }).toBeTruthy();
    await phone.scan();
    await expect.poll(async () => (await holder())?.state, { timeout: 15_000 }).toBe('connected');
    await new Promise((r) => setTimeout(r, 2_500)); // the other instance has tried for the lock by now
    const held = (await holder())!.holder;
    expect(phone.clients.map((c) => c.instance)).toEqual([held]);
  });

  it("sends an agent's reply once, from the holding instance, whichever instance the agent used", async () => {
    ticket = await stored(phone.customerWrites({ from: '+15550301111', body: 'Hello from WhatsApp' }).id._serialized);
    const held = (await holder())!.holder;
    // The agent's reply is written through the instance that does not hold the session.
    const writer = instances.find((a) => a.instance !== held)!;
    await writer.tickets.reply({ ticket, author: 'U0AGENT001', text: 'Hi, how can we help?' });
    await expect.poll(() => phone.sent.length, { timeout: 20_000 }).toBe(1);
    expect(phone.sent[0]).toMatchObject({ instance: held, chatId: '15550301111@c.us', content: 'Hi, how can we help?' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(phone.sent).toHaveLength(1);
  });

  it('moves the session to the other instance when the holder dies, restoring it from Postgres without a QR', { timeout: 60_000 }, async () => {
    const before = (await holder())!;
    const qrs = phone.qrCount;
    const [pid] = await connectionLockPids(db.sql, 'whatsapp-web');
    await db.sql`select pg_terminate_backend(${pid!})`;
    const written = phone.customerWrites({ from: '+15550301111', body: 'are you still there?' });
    const after = await takenOver(db.sql, 'whatsapp-web', before.epoch);
    expect(after).toBeTruthy();
    await expect.poll(async () => (await holder())?.state, { timeout: 20_000 }).toBe('connected');
    expect(phone.qrCount).toBe(qrs);
    expect(await stored(written.id._serialized)).toBe(ticket);
    const now = (await holder())!.holder;
    const app = instances.find((a) => a.instance !== now)!;
    await app.tickets.reply({ ticket, author: 'U0AGENT001', text: 'Still here' });
    await expect.poll(() => phone.sent.length, { timeout: 20_000 }).toBe(2);
    expect(phone.sent[1]).toMatchObject({ instance: now, content: 'Still here' });
  });
});
