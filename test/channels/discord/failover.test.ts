/**
 * The Discord gateway on two instances sharing one database: one holds it, replies leave from
 * either (REST needs only the token), and when the holder's database session dies the other
 * takes over and fetches what was written meanwhile: nothing missed, nothing twice.
 */
import type { APIUser } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../fakes/discord/index.ts';
import { connectionHolder, connectionLockPids } from '../../helpers/connection-lock.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../../helpers/switchboard.ts';
import { botOnline, discordEnv } from './helpers.ts';

let db: TestDatabase;
let discord: DiscordEmulator;
const instances: Record<'a' | 'b', TestSwitchboard | undefined> = { a: undefined, b: undefined };

beforeAll(async () => {
  db = await createTestDatabase();
  discord = await startDiscordEmulator();
  for (const name of ['a', 'b'] as const) instances[name] = await startTestSwitchboard({ db, instance: `instance-${name}`, env: discordEnv(discord) });
  await botOnline(discord);
}, 60_000);
afterAll(async () => {
  await instances.a?.close();
  await instances.b?.close();
  await discord?.close();
  await db?.drop();
});

const holder = () => connectionHolder(db.sql, 'discord');
const inbound = (externalId: string) =>
  db.sql<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.channel = 'discord' and m.external_id = ${externalId}`;
async function storedOnce(externalId: string) {
  await expect.poll(async () => (await inbound(externalId)).length, { timeout: 20_000, interval: 100 }).toBe(1);
  return (await inbound(externalId))[0]!;
}

describe('the Discord gateway on two instances', () => {
  let eve: APIUser;
  let dm: string;
  let ticket: number;
  let threadStart: string;
  let threadTicket: number;

  it('is held by one instance through one gateway session; a reply leaves from the other', async () => {
    await expect.poll(async () => (await holder())?.state, { timeout: 15_000 }).toBe('connected');
    await new Promise((r) => setTimeout(r, 2_500)); // both have tried for the lock by now
    expect(discord.gateway.identifies).toBe(1);
    eve = discord.customer('eve');
    dm = discord.dm(eve);
    ticket = (await storedOnce(discord.write(dm, eve, 'Where is my refund?').id)).number;
    const other = (await holder())!.holder === 'instance-a' ? instances.b! : instances.a!;
    await other.tickets.reply({ ticket, author: 'U0AGENT001', text: 'Refund sent today' });
    await expect.poll(() => discord.sent.filter((m) => m.channelId === dm).map((m) => m.content), { timeout: 15_000 }).toEqual(['Refund sent today']);

    // A support-channel ticket whose thread the reply opens, archived later: Discord then leaves
    // it out of GUILD_CREATE, and the next holder knows it only by the cursor kept for it.
    threadStart = discord.write(discord.supportChannelId, eve, 'Also: the app crashes').id;
    threadTicket = (await storedOnce(threadStart)).number;
    await other.tickets.reply({ ticket: threadTicket, author: 'U0AGENT001', text: 'Looking into the crash' });
    await expect.poll(() => discord.thread(threadStart) !== undefined, { timeout: 15_000 }).toBe(true);
    discord.world.archived.add(threadStart);
  });

  it("is taken over when the holder's database session dies, fetching what was written meanwhile", { timeout: 60_000 }, async () => {
    const before = (await holder())!;
    const [lock] = await connectionLockPids(db.sql, 'discord');
    // The gateway goes away with the holder, so what is written meanwhile reaches no one live:
    // the new holder has to fetch it.
    discord.gateway.pause();
    await db.sql`select pg_terminate_backend(${lock!})`;
    const during = [discord.write(dm, eve, 'during 1').id, discord.write(dm, eve, 'during 2').id];
    await expect.poll(async () => Number((await holder())?.epoch ?? 0), { timeout: 30_000, interval: 200 }).toBeGreaterThan(Number(before.epoch));
    expect(await inbound(during[0]!)).toHaveLength(0);
    discord.gateway.pause(false);
    await expect.poll(async () => (await holder())?.state, { timeout: 30_000, interval: 200 }).toBe('connected');
    for (const id of during) expect((await storedOnce(id)).number).toBe(ticket);
    const after = discord.write(dm, eve, 'after').id;
    await storedOnce(after);
    // The customer writes in the archived thread: the same ticket.
    expect((await storedOnce(discord.write(threadStart, eve, 'still crashing').id)).number).toBe(threadTicket);
    const counts = await db.sql<{ n: number }[]>`select count(*)::int as n from messages where channel = 'discord' and direction = 'inbound' group by external_id`;
    expect(counts.every((c) => c.n === 1)).toBe(true);
    const texts = await db.sql<{ text: string }[]>`
      select text from messages where ticket_id = (select id from tickets where number = ${ticket}) and direction = 'inbound' and text in ('during 1', 'during 2', 'after') order by seq`;
    expect(texts.map((t) => t.text)).toEqual(['during 1', 'during 2', 'after']);
  });
});
