import type { APIUser } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../fakes/discord/index.ts';
import { ADA, blockText, startSlackDesk, TRIAGE, type SlackDesk } from '../../slack/helpers.ts';
import { botOnline, discordEnv } from './helpers.ts';

// Issue 14's Discord acceptance as an agent and a customer see it: the real discord.js against
// the Discord emulator, Slack's real Bolt against its emulator, one instance and a real Postgres.

let discord: DiscordEmulator;
let desk: SlackDesk;

beforeAll(async () => {
  discord = await startDiscordEmulator();
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { ...discordEnv(discord), SLACK_POST_RATE: '20' } });
  await botOnline(discord);
});
afterAll(async () => {
  await desk?.close();
  await discord?.close();
});

const inbound = (externalId: string) =>
  desk.app.db.sql<{ number: number; conversation: string; slackTs: string | null; editedText: string | null; deletedAt: Date | null }[]>`
    select t.number, t.conversation, m.slack_ts, m.edited_text, m.deleted_at from messages m join tickets t on t.id = m.ticket_id
    where m.channel = 'discord' and m.external_id = ${externalId}`;
async function stored(externalId: string) {
  await expect.poll(async () => (await inbound(externalId)).length, { timeout: 15_000, interval: 50 }).toBe(1);
  return (await inbound(externalId))[0]!;
}
async function agentReplies(number: number, text: string): Promise<void> {
  const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), text });
  expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
}
const threadTexts = async (number: number) => (await desk.thread(number)).map((m) => `${m.text ?? ''} ${blockText(m)}`).join('\n');
const ben = () => [...discord.world.users.values()].find((u) => u.username === 'ben')!;
const sentTexts = (channelId: string) => discord.sent.filter((m) => m.channelId === channelId).map((m) => m.content);

describe('Discord as customers and agents see it', () => {
  let ana: APIUser;
  let anaDm: string;
  let dmTicket: number;
  let supportMessage: string;
  let supportTicket: number;

  it('turns a DM to the bot into a ticket with a card in the triage channel', async () => {
    ana = discord.customer('ana_k', 'Ana K');
    anaDm = discord.dm(ana);
    const message = discord.write(anaDm, ana, 'My order never arrived');
    const row = await stored(message.id);
    dmTicket = row.number;
    expect(row.conversation).toBe(anaDm);
    expect(JSON.stringify(desk.slack.message(TRIAGE, await desk.cardTs(dmTicket))?.blocks)).toContain('My order never arrived');
    const [identity] = await desk.app.db.sql<{ kind: string; address: string }[]>`select kind, address from identities where address = ${ana.id}`;
    expect(identity).toEqual({ kind: 'discord', address: ana.id });
  });

  it("sends the agent's reply to the DM", async () => {
    await agentReplies(dmTicket, 'Sorry Ana, checking now');
    await expect.poll(() => sentTexts(anaDm), { timeout: 15_000 }).toEqual(['Sorry Ana, checking now']);
  });

  it('opens a ticket for a support-channel message, and its thread with the first reply, where the reply lands', async () => {
    supportMessage = discord.write(discord.supportChannelId, discord.customer('ben'), 'The app crashes on login').id;
    supportTicket = (await stored(supportMessage)).number;
    expect(supportTicket).not.toBe(dmTicket);
    expect(discord.thread(supportMessage)).toBeUndefined();

    await agentReplies(supportTicket, 'Which version are you on, Ben?');
    await expect.poll(() => sentTexts(supportMessage), { timeout: 15_000 }).toEqual(['Which version are you on, Ben?']);
    const thread = discord.thread(supportMessage)!;
    expect(thread.parentId).toBe(discord.supportChannelId);
    expect(thread.name).toContain(`#${supportTicket}`);
    expect(sentTexts(discord.supportChannelId)).toEqual([]); // nothing in the channel itself

    // The customer answers in the thread: the same ticket.
    const answer = discord.write(supportMessage, ben(), 'Version 4.2');
    expect((await stored(answer.id)).number).toBe(supportTicket);
    await expect.poll(() => threadTexts(supportTicket), { timeout: 15_000 }).toContain('Version 4.2');

    // A second reply goes to the thread without opening another.
    await agentReplies(supportTicket, 'Thanks, fixed in 4.3');
    await expect.poll(() => sentTexts(supportMessage), { timeout: 15_000 }).toHaveLength(2);
  });

  it("relays a customer's attachment to the Slack thread", async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    const message = discord.write(anaDm, ana, 'Here is the receipt', [{ name: 'receipt.png', contentType: 'image/png', data: png }]);
    expect((await stored(message.id)).number).toBe(dmTicket);
    await expect.poll(async () => (await desk.thread(dmTicket)).flatMap((m) => m.files ?? []).length, { timeout: 15_000 }).toBe(1);
    const [post] = (await desk.thread(dmTicket)).filter((m) => m.files?.length);
    expect(Buffer.from(desk.slack.fileContent(post!.files![0]!.id)!)).toEqual(Buffer.from(png));
  });

  it('loses nothing when a file cannot be downloaded: the connection restarts and fetches it again, in order', async () => {
    discord.failNextDownload();
    const withFile = discord.write(anaDm, ana, 'second receipt', [{ name: 'second.png', contentType: 'image/png', data: new Uint8Array([9, 9, 9]) }]);
    const next = discord.write(anaDm, ana, 'and one more thing');
    await stored(withFile.id);
    await stored(next.id);
    const order = await desk.app.db.sql<{ externalId: string }[]>`
      select external_id from messages where external_id in (${withFile.id}, ${next.id}) order by seq`;
    expect(order.map((r) => r.externalId)).toEqual([withFile.id, next.id]);
    expect(discord.requests.some((r) => r.path.startsWith('/attachments/') && r.status === 500)).toBe(true);
  });

  it('sends a file an agent drops in the thread to the customer as an attachment', async () => {
    const { event } = desk.slack.userUploads({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(dmTicket), filename: 'label.pdf', content: '%PDF-1.4 label', text: 'Your return label' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    await expect.poll(() => discord.sent.filter((m) => m.channelId === anaDm && m.files.length).length, { timeout: 15_000 }).toBe(1);
    const sent = discord.sent.find((m) => m.channelId === anaDm && m.files.length)!;
    expect(sent.content).toBe('Your return label');
    expect(sent.files.map((f) => f.name)).toEqual(['label.pdf']);
    expect(Buffer.from(sent.files[0]!.data).toString()).toBe('%PDF-1.4 label');
  });

  it('updates the Slack thread when the customer edits or deletes a message', async () => {
    const message = discord.write(anaDm, ana, 'Order 1234');
    await expect.poll(async () => (await inbound(message.id))[0]?.slackTs, { timeout: 15_000 }).toBeTruthy();
    const postTs = (await inbound(message.id))[0]!.slackTs!;
    discord.edit(anaDm, message.id, 'Order 1243');
    await expect.poll(() => desk.slack.message(TRIAGE, postTs)?.text ?? '', { timeout: 15_000 }).toContain('Order 1243');
    expect(desk.slack.message(TRIAGE, postTs)!.text).toContain('edited');
    discord.remove(anaDm, message.id);
    await expect.poll(() => desk.slack.message(TRIAGE, postTs)?.text ?? '', { timeout: 15_000 }).toContain('deleted by the customer');
  });

  it('ignores other bots and channels that are not for support', async () => {
    const otherBot = discord.world.user({ username: 'musicbot', bot: true });
    const bot = discord.write(discord.supportChannelId, otherBot, 'Now playing');
    const elsewhere = discord.write(discord.otherChannelId, ana, 'hello general');
    await stored(discord.write(anaDm, ana, 'marker').id);
    expect(await inbound(bot.id)).toHaveLength(0);
    expect(await inbound(elsewhere.id)).toHaveLength(0);
  });

  it('misses nothing across a gateway disconnect followed by a resume', async () => {
    const { identifies, resumes } = discord.gateway;
    discord.gateway.disconnect();
    const dm = discord.write(anaDm, ana, 'written during the blip');
    const inThread = discord.write(supportMessage, ben(), 'thread during the blip');
    expect((await stored(dm.id)).number).toBe(dmTicket);
    expect((await stored(inThread.id)).number).toBe(supportTicket);
    expect(discord.gateway.resumes).toBeGreaterThan(resumes);
    expect(discord.gateway.identifies).toBe(identifies);
  });

  it('misses nothing while the bot was offline: fetched by the last message id seen per channel on reconnect', async () => {
    discord.gateway.pause();
    await new Promise((r) => setTimeout(r, 300));
    const dm = discord.write(anaDm, ana, 'written while offline');
    const inThread = discord.write(supportMessage, ben(), 'thread while offline');
    const cleo = discord.customer('cleo');
    const newTicket = discord.write(discord.supportChannelId, cleo, 'new ticket while offline');
    await new Promise((r) => setTimeout(r, 500));
    expect(await inbound(dm.id)).toHaveLength(0);
    discord.gateway.pause(false);
    expect((await stored(dm.id)).number).toBe(dmTicket);
    expect((await stored(inThread.id)).number).toBe(supportTicket);
    expect((await stored(newTicket.id)).number).not.toBe(supportTicket);
    const fetched = discord.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/messages'));
    expect(fetched.length).toBeGreaterThan(0);
  });

  it('waits out a 429 and sends the reply once', async () => {
    discord.rateLimitNext(0.5);
    await agentReplies(dmTicket, 'After the rate limit');
    await expect.poll(() => sentTexts(anaDm).filter((t) => t === 'After the rate limit'), { timeout: 15_000 }).toHaveLength(1);
    expect(discord.requests.some((r) => r.status === 429)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sentTexts(anaDm).filter((t) => t === 'After the rate limit')).toHaveLength(1);
  });

  it('paces a burst of replies by the rate-limit headers: all sent once, in order, none refused', async () => {
    const finn = discord.customer('finn');
    const finnDm = discord.dm(finn);
    const number = (await stored(discord.write(finnDm, finn, 'quick questions').id)).number;
    const refusedBefore = discord.requests.filter((r) => r.status === 429).length;
    const texts = Array.from({ length: 7 }, (_, i) => `answer ${i + 1}`);
    for (const text of texts) await desk.app.tickets.reply({ ticket: number, author: ADA, text });
    await expect.poll(() => sentTexts(finnDm), { timeout: 20_000, interval: 200 }).toEqual(texts);
    // The emulator's bucket is 5 per 5 s per channel: the 6th waited for the reset the headers named.
    expect(discord.requests.filter((r) => r.status === 429).length).toBe(refusedBefore);
  }, 30_000);

  it('fails a reply to a customer who closed their DMs (50007), with the reason in the Slack thread', async () => {
    const dora = discord.customer('dora');
    const doraDm = discord.dm(dora);
    const number = (await stored(discord.write(doraDm, dora, 'hi').id)).number;
    discord.closeDms(dora);
    await agentReplies(number, 'Hello Dora');
    await expect.poll(() => threadTexts(number), { timeout: 15_000 }).toContain('50007');
    expect(await threadTexts(number)).toContain('does not accept direct messages');
    const [reply] = await desk.app.db.sql<{ delivery: string }[]>`
      select delivery from messages m join tickets t on t.id = m.ticket_id where t.number = ${number} and m.direction = 'outbound'`;
    expect(reply!.delivery).toBe('failed');
    expect(sentTexts(doraDm)).toEqual([]);
  });
});
