/**
 * Issue 18 on Discord as the customer sees it: the real discord.js against the Discord emulator,
 * the Slack emulator, a real Postgres. The survey carries buttons; a press is an interaction,
 * answered by replacing the buttons with our thanks.
 */
import type { APIUser } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../fakes/discord/index.ts';
import { deskFile } from '../../customer/helpers.ts';
import { ADA, startSlackDesk, type SlackDesk } from '../../slack/helpers.ts';
import { botOnline, discordEnv } from './helpers.ts';

let discord: DiscordEmulator;
let desk: SlackDesk;
let config: Awaited<ReturnType<typeof deskFile>>;

beforeAll(async () => {
  discord = await startDiscordEmulator();
  config = await deskFile('customer:\n  csat: {}\n');
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { ...discordEnv(discord), SWITCHBOARD_CONFIG: config.file, SLACK_POST_RATE: '20' } });
  await botOnline(discord);
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await discord?.close();
  await config?.remove();
});

const sql = () => desk.app.db.sql;
const csatEvents = (number: number) => sql()<{ data: unknown }[]>`select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'csat'`;
const botMessagesIn = (channelId: string) => discord.messagesIn(channelId).filter((m) => m.author.id === discord.bot.id);

/** A customer's DM ticket, resolved by Ada; returns it with the survey as the customer sees it. */
async function surveyed(customer: APIUser) {
  const dm = discord.dm(customer);
  const first = discord.write(dm, customer, 'The bot in my server stopped answering');
  await expect.poll(async () => (await sql()`select 1 from messages where channel = 'discord' and external_id = ${first.id}`).length, { timeout: 15_000 }).toBe(1);
  const [{ number }] = await sql()<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${first.id}`;
  await desk.app.tickets.transition(number!, 'resolve', ADA);
  await expect.poll(() => botMessagesIn(dm).length, { timeout: 15_000 }).toBe(1);
  return { number: number!, dm, survey: botMessagesIn(dm)[0]! };
}

describe('Discord customers', () => {
  it('rate a resolved ticket with the survey buttons; the press is answered with thanks in place of the buttons', async () => {
    const customer = discord.customer('lea_m', 'Lea M');
    const { number, survey } = await surveyed(customer);
    expect(survey.content).toBe(`How did we do with ticket #${number}? Please rate us from 1 (poor) to 5 (excellent).`);
    expect(survey.components!.flatMap((row) => (row as { components: { label: string }[] }).components.map((b) => b.label))).toEqual(['1', '2', '3', '4', '5']);

    const pressed = discord.press(survey, '5', customer);
    await expect.poll(() => csatEvents(number), { timeout: 15_000 }).toEqual([{ data: { score: 5, comment: null } }]);
    await expect.poll(() => discord.interactionResponses.find((r) => r.interactionId === pressed)?.type, { timeout: 15_000 }).toBe(7);
    expect(survey.content).toBe(`How did we do with ticket #${number}? Please rate us from 1 (poor) to 5 (excellent).\n\nThank you for your rating!`);
    expect(survey.components).toEqual([]);
    expect((await desk.app.tickets.find(number))!).toMatchObject({ status: 'resolved', csatScore: 5 });
  });

  it("takes no score from someone else's press, and acknowledges it without a change", async () => {
    const customer = discord.customer('tom_r');
    const { number, survey } = await surveyed(customer);
    const pressed = discord.press(survey, '1', discord.customer('mallory'));
    await expect.poll(() => discord.interactionResponses.find((r) => r.interactionId === pressed)?.type, { timeout: 15_000 }).toBe(6);
    expect(await csatEvents(number)).toEqual([]);
    expect(survey.components).toHaveLength(1);
  });
});
