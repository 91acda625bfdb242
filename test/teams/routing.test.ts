/**
 * Teams and routing rules as agents see them: switchboard.yml with two teams, the Slack
 * emulator with both channels, customer messages through the API channel.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { ADA, blockText, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';

const BILLING = 'C0BILLING01';
let dir: string;
let desk: SlackDesk;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-teams-'));
  const file = path.join(dir, 'switchboard.yml');
  await writeFile(
    file,
    `teams:
  - name: support
    channel: ${TRIAGE}
  - name: billing
    channel: ${BILLING}
rules:
  - name: billing questions
    when: { keywords: [invoice, refund] }
    then: { team: billing, priority: high, tags: [billing] }
`,
  );
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SWITCHBOARD_CONFIG: file, SLACK_POST_RATE: '20' } });
  desk.slack.addChannel({ id: BILLING, name: 'billing' });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await rm(dir, { recursive: true, force: true });
});

const cardIn = async (number: number) => {
  await desk.cardTs(number);
  const [row] = await desk.app.db.sql<{ channel: string; ts: string }[]>`select c.channel, c.ts from slack_cards c join tickets t on t.id = c.ticket_id where t.number = ${number}`;
  return { channel: row!.channel, card: desk.slack.message(row!.channel, row!.ts) };
};

describe('routing by team', () => {
  it('posts a message matching the billing rule in the billing channel, naming the rule', async () => {
    const number = await desk.write('ada@example.com', 'I was charged twice, I need a refund');
    const { channel, card } = await cardIn(number);
    expect(channel).toBe(BILLING);
    expect(blockText(card)).toContain('routed by rule “billing questions”');
    expect(blockText(card)).toContain('*Team*\\nbilling'); // in the card's JSON
    const [ticket] = await desk.app.db.sql<{ team: string; priority: string; tags: string[]; routedBy: string[] }[]>`select team, priority, tags, routed_by from tickets where number = ${number}`;
    expect(ticket).toEqual({ team: 'billing', priority: 'high', tags: ['billing'], routedBy: ['billing questions'] });
    const events = await desk.app.db.sql<{ data: unknown }[]>`select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'routed'`;
    expect(events.map((e) => e.data)).toEqual([{ team: 'billing', rules: ['billing questions'], priority: 'high', tags: ['billing'] }]);
  });

  it('puts a message matching nothing in the default team', async () => {
    const number = await desk.write('bob@example.com', 'Where is my parcel?');
    const { channel, card } = await cardIn(number);
    expect(channel).toBe(TRIAGE);
    expect(blockText(card)).not.toContain('routed by');
    const [ticket] = await desk.app.db.sql<{ team: string; routedBy: string[] }[]>`select team, routed_by from tickets where number = ${number}`;
    expect(ticket).toEqual({ team: 'support', routedBy: [] });
  });

  it('routes only the first message of a ticket: a later one about a refund stays where it is', async () => {
    const number = await desk.write('cleo@example.com', 'Hello there');
    const again = await desk.write('cleo@example.com', 'also, a refund for the last order');
    expect(again).toBe(number);
    const [ticket] = await desk.app.db.sql<{ team: string }[]>`select team from tickets where number = ${number}`;
    expect(ticket!.team).toBe('support');
  });
});

describe('moving a ticket to another team', () => {
  const cardRow = async (number: number) =>
    (await desk.app.db.sql<{ channel: string; ts: string | null }[]>`select c.channel, c.ts from slack_cards c join tickets t on t.id = c.ticket_id where t.number = ${number}`)[0]!;

  it('/ticket team N billing posts the card in billing with the whole thread, and leaves a pointer where it was', async () => {
    const number = await desk.write('dana@example.com', 'My package is late');
    const oldTs = await desk.cardTs(number);
    await desk.write('dana@example.com', 'Also I was double charged');
    const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: oldTs, text: 'Looking into it' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    await expect.poll(() => desk.slack.thread(TRIAGE, oldTs).length, { timeout: 15_000 }).toBe(3);
    await expect.poll(async () => (await desk.app.db.sql`select 1 from messages where text = 'Looking into it'`).length, { timeout: 15_000 }).toBe(1);

    expect(await slashTicket(desk, `team ${number} billing`)).toBe(`#${number} is with the billing team now; its card moves to that team's channel.`);
    await expect.poll(async () => (await cardRow(number)).channel === BILLING && (await cardRow(number)).ts !== null, { timeout: 15_000 }).toBe(true);
    const { ts } = await cardRow(number);
    expect(blockText(desk.slack.message(BILLING, ts!))).toContain('My package is late');
    // One thread history, in order, under the new card.
    await expect.poll(() => desk.slack.thread(BILLING, ts!).slice(1).map((m) => m.text), { timeout: 15_000 }).toEqual([
      expect.stringContaining('Also I was double charged'),
      expect.stringContaining('Looking into it'),
    ]);
    // The old card is a one-line pointer now; its thread is still under it.
    await expect.poll(() => desk.slack.message(TRIAGE, oldTs)?.text, { timeout: 15_000 }).toBe(`:arrow_right: #${number} moved to the *billing* team: <#${BILLING}>. Its conversation continues there.`);
    expect(desk.slack.message(TRIAGE, oldTs)?.blocks).toBeUndefined();
    expect(desk.slack.thread(TRIAGE, oldTs)).toHaveLength(3);
    const [ticket] = await desk.app.db.sql<{ team: string }[]>`select team from tickets where number = ${number}`;
    expect(ticket!.team).toBe('billing');
  });

  it('moves from the card menu too, and a later customer message joins the new thread', async () => {
    const number = await desk.write('eve@example.com', 'Question about my order');
    const ts = await desk.cardTs(number);
    const delivery = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts, actionId: CARD_ACTIONS.team, value: 'billing' }));
    expect(delivery.status).toBe(200);
    await expect.poll(async () => (await cardRow(number)).channel === BILLING && (await cardRow(number)).ts !== null, { timeout: 15_000 }).toBe(true);
    await desk.write('eve@example.com', 'any news?');
    const { ts: newTs } = await cardRow(number);
    await expect.poll(() => desk.slack.thread(BILLING, newTs!).slice(1).map((m) => m.text ?? ''), { timeout: 15_000 }).toEqual([expect.stringContaining('any news?')]);
  });

  it('/ticket duty on|off answers in words, and refuses anything else with its usage', async () => {
    expect(await slashTicket(desk, 'duty off')).toBe('You are off duty: no new tickets are assigned to you until you are back on.');
    expect(await slashTicket(desk, 'duty on')).toBe('You are on duty.');
    expect(await slashTicket(desk, 'duty maybe')).toBe('"maybe" is not on or off. Usage: `/ticket duty on|off`');
  });

  it('refuses a team that does not exist, naming the teams', async () => {
    const number = await desk.write('finn@example.com', 'hello');
    expect(await slashTicket(desk, `team ${number} sales`)).toBe('There is no team sales: the teams are support, billing.');
    expect(await slashTicket(desk, `team ${number}`)).toBe('say which team. Usage: `/ticket team N name`');
  });
});
