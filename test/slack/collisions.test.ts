import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { HELD_ACTIONS } from '../../src/slack/held-prompt.ts';
import { expireHeld } from '../../src/tickets/index.ts';
import type { Ephemeral } from '../fakes/slack/types.ts';
import { ADA, GRACE, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

// Stands still unless a test moves it: the 60 s rule and the 10-minute timeout are read from it.
const clock = manualClock();
let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk({ switchboard: { clock } });
});
afterAll(() => desk?.close());

const settle = (ms = 800) => new Promise((r) => setTimeout(r, ms));
const messagesOf = (number: number) =>
  desk.app.db.sql<{ direction: string; author: string | null; text: string; slackTs: string | null }[]>`
    select m.direction, m.author, m.text, m.slack_ts from messages m join tickets t on t.id = m.ticket_id where t.number = ${number} order by m.seq`;
const heldOf = (number: number) =>
  desk.app.db.sql<{ id: number; outcome: string | null; decidedBy: string | null; reason: string; otherAgent: string }[]>`
    select h.id, h.outcome, h.decided_by, h.reason, h.other_agent from held_replies h join tickets t on t.id = h.ticket_id where t.number = ${number} order by h.id`;
const deliveredTo = (number: number) => desk.customer.delivered().filter((b) => b.ticket === number);

/** `user` writes `text` in ticket #n's thread; returns the Slack ts of what they wrote. */
async function agentWrites(number: number, user: string, text: string): Promise<string> {
  const { message, event } = desk.slack.userPosts({ user, channel: TRIAGE, thread_ts: await desk.cardTs(number), text });
  expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
  return message.ts;
}

/** The question `user` was asked, in the thread, about their held reply to #n. */
async function questionTo(user: string, number: number): Promise<Ephemeral> {
  const asked = () => desk.slack.ephemerals(user).find((e) => e.source === 'chat.postEphemeral' && e.text.includes(`#${number}`));
  await expect.poll(asked, { timeout: 15_000 }).toBeDefined();
  return asked()!;
}

function click(user: string, question: Ephemeral, actionId: string) {
  return desk.slack.blockActions({ user, channel: TRIAGE, ts: question.ts, actionId });
}

async function press(payload: Record<string, unknown>) {
  expect((await desk.slack.http.interaction(desk.eventsUrl, payload)).status).toBe(200);
}

/** A ticket #n claimed by Ada, with Grace's reply in its thread held. */
async function heldOnAdasTicket(from: string, text = 'I can help with that'): Promise<{ number: number; ts: string; question: Ephemeral }> {
  const number = await desk.write(from, 'My order never came');
  await desk.cardTs(number);
  await desk.app.tickets.claim(number, ADA);
  const ts = await agentWrites(number, GRACE, text);
  return { number, ts, question: await questionTo(GRACE, number) };
}

describe('collision warnings', () => {
  it("holds a second agent's reply on an assigned ticket and asks them alone, in the thread, with the three choices; the customer gets nothing", async () => {
    const { number, question } = await heldOnAdasTicket('held@example.com');
    expect(question.text).toBe(`#${number} is <@${ADA}>'s — send anyway / keep as a note / discard`);
    expect(question.thread_ts).toBe(await desk.cardTs(number));
    const buttons = JSON.stringify(question.blocks);
    for (const label of ['Send anyway', 'Keep as a note', 'Discard']) expect(buttons).toContain(label);
    expect(desk.slack.ephemerals(ADA).filter((e) => e.text.includes(`#${number} is`))).toEqual([]);
    await settle();
    expect(deliveredTo(number)).toEqual([]);
    expect((await messagesOf(number)).map((m) => m.direction)).toEqual(['inbound']);
    const [held] = await heldOf(number);
    expect(held).toMatchObject({ outcome: null, reason: 'assigned', otherAgent: ADA });
    // Its timeout was enqueued with it, ten minutes out.
    const [job] = await desk.app.db.sql<{ startAfter: Date }[]>`
      select start_after from pgboss.job where name = 'ticket.held-reply-timeout' and (data->>'heldId')::int = ${held!.id}`;
    expect(job!.startAfter.getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    expect((await desk.app.tickets.view(number)).assignee).toBe(ADA);
  });

  it("'send anyway' sends it exactly once, whatever the double clicks and retried interactions", async () => {
    const { number, ts, question } = await heldOnAdasTicket('send-anyway@example.com', 'Sending a replacement today');
    const first = click(GRACE, question, HELD_ACTIONS.send);
    const second = click(GRACE, question, HELD_ACTIONS.send);
    await Promise.all([press(first), press(second), press(first)]);
    await desk.customer.waitForDelivered(1);
    await expect.poll(() => deliveredTo(number).map((b) => b.text), { timeout: 10_000 }).toEqual(['Sending a replacement today']);
    await settle();
    expect(deliveredTo(number)).toHaveLength(1);
    expect((await messagesOf(number)).filter((m) => m.direction === 'outbound')).toEqual([expect.objectContaining({ author: GRACE, slackTs: ts })]);
    expect((await heldOf(number))[0]).toMatchObject({ outcome: 'sent', decidedBy: GRACE });
    // The question became what happened, its buttons gone.
    expect(desk.slack.ephemerals(GRACE).find((e) => e.ts === question.ts)).toMatchObject({ text: `:outbox_tray: Sent to the customer of #${number}.` });
    expect(desk.slack.ephemerals(GRACE).find((e) => e.ts === question.ts)?.blocks).toBeUndefined();
    expect((await desk.app.tickets.view(number)).assignee).toBe(ADA);
  });

  it("'keep as a note' stores it as an internal note that never reaches the customer", async () => {
    const { number, ts, question } = await heldOnAdasTicket('as-note@example.com', 'They asked for a refund last week');
    const stale = click(GRACE, question, HELD_ACTIONS.send);
    await press(click(GRACE, question, HELD_ACTIONS.note));
    await expect.poll(async () => (await messagesOf(number)).map((m) => [m.direction, m.author, m.text, m.slackTs])).toEqual([
      ['inbound', null, 'My order never came', null],
      ['note', GRACE, 'They asked for a refund last week', ts],
    ]);
    // A later "send anyway" (a stale click) sends nothing.
    await press(stale);
    await settle();
    expect(deliveredTo(number)).toEqual([]);
    expect(desk.customer.posts.filter((p) => p.body.ticket === number)).toEqual([]);
    expect((await heldOf(number))[0]).toMatchObject({ outcome: 'note', decidedBy: GRACE });
    expect(desk.slack.ephemerals(GRACE).find((e) => e.ts === question.ts)?.text).toBe(`:memo: Kept as an internal note on #${number}; the customer does not see it.`);
  });

  it("'discard' drops it, and says so", async () => {
    const { number, question } = await heldOnAdasTicket('discard@example.com', 'never mind');
    await press(click(GRACE, question, HELD_ACTIONS.discard));
    await expect.poll(() => desk.slack.ephemerals(GRACE).map((e) => e.text)).toContain(`:wastebasket: Discarded: your reply to #${number} was not sent and not kept.`);
    await settle();
    expect((await messagesOf(number)).map((m) => m.direction)).toEqual(['inbound']);
    expect(deliveredTo(number)).toEqual([]);
    expect((await heldOf(number))[0]).toMatchObject({ outcome: 'discarded' });
  });

  it("never holds the assignee's own replies", async () => {
    const number = await desk.write('own@example.com', 'hello?');
    await desk.cardTs(number);
    await desk.app.tickets.claim(number, ADA);
    const ts = await agentWrites(number, ADA, 'Hello from Ada');
    await expect.poll(() => deliveredTo(number).map((b) => b.text), { timeout: 10_000 }).toEqual(['Hello from Ada']);
    expect(await heldOf(number)).toEqual([]);
    expect(desk.slack.ephemerals(ADA).filter((e) => e.text.includes(`#${number}`))).toEqual([]);
    expect((await messagesOf(number)).find((m) => m.direction === 'outbound')?.slackTs).toBe(ts);
  });

  it('does not hold a reply on an unassigned ticket nobody else just answered: it goes out and claims the ticket', async () => {
    const number = await desk.write('free@example.com', 'anyone there?');
    await desk.cardTs(number);
    await agentWrites(number, GRACE, 'Yes, Grace here');
    await expect.poll(() => deliveredTo(number).map((b) => b.text), { timeout: 10_000 }).toEqual(['Yes, Grace here']);
    expect(await heldOf(number)).toEqual([]);
    expect((await desk.app.tickets.view(number)).assignee).toBe(GRACE);
  });

  it("holds a reply written within 60 s of another agent's reply to the same ticket, and not after", async () => {
    const number = await desk.write('sixty@example.com', 'where is it?');
    await desk.cardTs(number);
    await agentWrites(number, ADA, 'Checking now');
    await expect.poll(() => deliveredTo(number).length, { timeout: 10_000 }).toBe(1);
    await desk.app.tickets.assign(number, null, ADA);
    clock.advance(30_000);
    await agentWrites(number, GRACE, 'It is in transit');
    const question = await questionTo(GRACE, number);
    expect(question.text).toBe(`<@${ADA}> replied to #${number} less than a minute ago — send anyway / keep as a note / discard`);
    expect((await heldOf(number))[0]).toMatchObject({ reason: 'recent', otherAgent: ADA, outcome: null });

    clock.advance(31_000);
    await agentWrites(number, GRACE, 'It arrives tomorrow');
    await expect.poll(() => deliveredTo(number).map((b) => b.text), { timeout: 10_000 }).toEqual(['Checking now', 'It arrives tomorrow']);
    expect(await heldOf(number)).toHaveLength(1);
  });

  it('keeps a held reply nobody answered within 10 minutes as a note, once, and a late click sends nothing', async () => {
    const { number, ts, question } = await heldOnAdasTicket('timeout@example.com', 'Shall I refund?');
    const [held] = await heldOf(number);
    const ctx = desk.app.tickets.context;
    // Early (the job ran before its time by our clock): nothing happens, and it comes back later.
    clock.advance(9 * 60_000);
    await expireHeld(ctx, held!.id);
    expect((await heldOf(number))[0]!.outcome).toBeNull();
    const jobs = await desk.app.db.sql`select id from pgboss.job where name = 'ticket.held-reply-timeout' and (data->>'heldId')::int = ${held!.id}`;
    expect(jobs).toHaveLength(2);

    clock.advance(60_000);
    await Promise.all([expireHeld(ctx, held!.id), expireHeld(ctx, held!.id)]);
    expect((await messagesOf(number)).map((m) => [m.direction, m.text, m.slackTs])).toEqual([
      ['inbound', 'My order never came', null],
      ['note', 'Shall I refund?', ts],
    ]);
    expect((await heldOf(number))[0]).toMatchObject({ outcome: 'note', decidedBy: 'timeout' });
    await press(click(GRACE, question, HELD_ACTIONS.send));
    await expect.poll(() => desk.slack.ephemerals(GRACE).map((e) => e.text)).toContain(
      `:memo: Not answered within 10 minutes: your reply was kept as an internal note on #${number}; the customer did not get it.`,
    );
    await settle();
    expect(deliveredTo(number)).toEqual([]);
  });

  it('has the timeout job itself keep the reply as a note once it falls due', async () => {
    const { number, ts } = await heldOnAdasTicket('timeout-job@example.com', 'Waiting on the warehouse');
    const [held] = await heldOf(number);
    clock.advance(10 * 60_000);
    // Ten minutes of wall time are not waited out: the job is brought forward to now.
    await desk.app.db.sql`update pgboss.job set start_after = now() where name = 'ticket.held-reply-timeout' and (data->>'heldId')::int = ${held!.id}`;
    await expect.poll(async () => (await heldOf(number))[0], { timeout: 15_000 }).toMatchObject({ outcome: 'note', decidedBy: 'timeout' });
    expect((await messagesOf(number)).map((m) => [m.direction, m.slackTs])).toEqual([
      ['inbound', null],
      ['note', ts],
    ]);
    expect(deliveredTo(number)).toEqual([]);
  });

  it('lets the first of a button press and the timeout win, never both', async () => {
    const { number, question } = await heldOnAdasTicket('race@example.com', 'Racing');
    const [held] = await heldOf(number);
    clock.advance(10 * 60_000);
    await Promise.all([press(click(GRACE, question, HELD_ACTIONS.send)), expireHeld(desk.app.tickets.context, held!.id)]);
    await expect.poll(async () => (await heldOf(number))[0]!.outcome, { timeout: 10_000 }).not.toBeNull();
    const outcome = (await heldOf(number))[0]!.outcome;
    const kept = (await messagesOf(number)).filter((m) => m.direction !== 'inbound').map((m) => m.direction);
    expect(kept).toEqual([outcome === 'sent' ? 'outbound' : 'note']);
    await settle(1_500);
    expect(deliveredTo(number)).toHaveLength(outcome === 'sent' ? 1 : 0);
  });
});
