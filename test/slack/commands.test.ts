import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from '../../src/slack/command-parse.ts';
import { ADA, blockText, ESCALATIONS, GRACE, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

/** Runs `/ticket text` as `user` and returns the ephemeral answer they saw. */
const ticket = (text: string, user = ADA) => slashTicket(desk, text, user);

const eventsOf = (number: number) =>
  desk.app.db.sql<{ kind: string; actor: string; data: Record<string, unknown> }[]>`
    select e.kind, e.actor, e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${number} order by e.id`;
const card = async (number: number) => blockText(desk.slack.message(TRIAGE, await desk.cardTs(number)));

describe('/ticket', () => {
  it('claims, assigns, sets priority and moves the lifecycle, each recorded with the agent and shown on the card', async () => {
    const number = await desk.write('cmd@example.com', 'my invoice is wrong');
    await desk.cardTs(number);

    expect(await ticket(`claim ${number}`)).toBe(`You have #${number}.`);
    expect(await ticket(`assign ${number} <@${GRACE}|grace>`)).toBe(`#${number} is assigned to <@${GRACE}>.`);
    expect(await ticket(`priority ${number} high`)).toBe(`#${number} is high priority.`);
    expect(await ticket(`pending ${number}`)).toBe(`#${number} is pending.`);
    await expect.poll(() => card(number), { timeout: 20_000 }).toContain('Pending (waiting on the customer)');
    expect(await ticket(`resolve ${number}`, GRACE)).toBe(`#${number} is resolved.`);
    expect(await ticket(`reopen ${number}`, GRACE)).toBe(`#${number} is open.`);
    expect(await ticket(`close ${number}`, GRACE)).toBe(`#${number} is closed.`);

    const events = (await eventsOf(number)).map((e) => [e.kind, e.actor, e.data.to ?? e.data.assignee ?? null]);
    expect(events).toEqual(
      expect.arrayContaining([
        ['claimed', ADA, ADA],
        ['assigned', ADA, GRACE],
        ['priority', ADA, 'high'],
        ['status', ADA, 'pending'],
        ['status', GRACE, 'resolved'],
        ['status', GRACE, 'open'],
        ['status', GRACE, 'closed'],
      ]),
    );
    await expect.poll(() => card(number), { timeout: 20_000 }).toContain('*Status*\\nClosed');
    expect(await card(number)).toContain(`*Assignee*\\n<@${GRACE}>`);
    expect(await card(number)).toContain('High');
  });

  it('adds a note that shows in the thread and never reaches the customer, and tags', async () => {
    const number = await desk.write('notes@example.com', 'hello');
    await desk.cardTs(number);
    expect(await ticket(`note ${number} called them &amp; left a voicemail`)).toBe(`Note added to #${number} (the customer does not see it).`);
    await expect.poll(async () => (await desk.thread(number)).map((m) => m.text), { timeout: 20_000 }).toEqual([`:memo: *Note* from <@${ADA}>:\ncalled them &amp; left a voicemail`]);
    expect(await ticket(`tag ${number} billing VIP`)).toBe(`#${number} is tagged \`billing\` \`vip\`.`);
    const view = await desk.app.tickets.view(number);
    expect(view.messages.map((m) => [m.direction, m.text])).toEqual([
      ['inbound', 'hello'],
      ['note', 'called them & left a voicemail'],
    ]);
    expect(desk.customer.posts.filter((p) => p.body.ticket === number)).toEqual([]);
  });

  it('escalates with a reason, posting to the escalation channel', async () => {
    const number = await desk.write('esc-cmd@example.com', 'this is the third time');
    await desk.cardTs(number);
    expect(await ticket(`escalate ${number} third contact this week`)).toBe(`#${number} is escalated (level 1).`);
    await expect.poll(() => desk.slack.messages(ESCALATIONS).map((m) => m.text).join('\n'), { timeout: 20_000 }).toContain(`was escalated by <@${ADA}> to level 1: third contact this week`);
  });

  it('lists and shows tickets', async () => {
    const number = await desk.write('list@example.com', 'where is it', { name: 'Lister' });
    await ticket(`claim ${number}`, GRACE);
    const mine = await ticket('list mine', GRACE);
    expect(mine).toMatch(/^\*Your tickets, oldest waiting first\*/);
    expect(mine).toContain(`*#${number}* Lister — where is it`);
    expect(await ticket('list new', GRACE)).not.toContain(`*#${number}*`);
    const shown = await ticket(`show ${number}`);
    expect(shown).toContain(`*#${number}* · :electric_plug: API · *Lister*`);
    expect(shown).toContain(`open · normal priority · <@${GRACE}>`);
    expect(shown).toContain('> *Lister*: where is it');
  });

  it('answers unknown commands, unknown tickets and bad arguments with one clear line, changing nothing', async () => {
    const posts = desk.slack.messages(TRIAGE).length;
    expect(await ticket('frobnicate')).toBe('`frobnicate` is not a /ticket command. Try `/ticket help`.');
    expect(await ticket('show 999999')).toBe('There is no ticket #999999.');
    expect(await ticket('priority 1 sometimes')).toBe(`"sometimes" is not a priority. Usage: \`${USAGE.priority}\``);
    const number = await desk.write('illegal@example.com', 'hi');
    expect(await ticket(`reopen ${number}`)).toBe(`#${number} is not resolved, so there is nothing to reopen.`);
    expect(await ticket('help')).toContain(USAGE.escalate);
    expect(desk.slack.messages(TRIAGE).length).toBeLessThanOrEqual(posts + 1);
    expect((await eventsOf(number)).map((e) => e.kind)).toEqual(['created', 'message']);
  });
});
