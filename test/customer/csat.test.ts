/**
 * Issue 18's satisfaction survey through the API channel (a channel without buttons: the
 * customer answers by writing), the Slack emulator and a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, blockText, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';
import { deskFile } from './helpers.ts';

let desk: SlackDesk;
let config: Awaited<ReturnType<typeof deskFile>>;

beforeAll(async () => {
  config = await deskFile('customer:\n  csat: {}\n');
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SWITCHBOARD_CONFIG: config.file, SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await config?.remove();
});

const sql = () => desk.app.db.sql;
const received = (to: string) => desk.customer.delivered().filter((reply) => reply.to === to).map((reply) => reply.text);
const threadTexts = async (number: number) => (await desk.thread(number)).map((m) => m.text ?? '');
const eventsOf = (number: number, kind: string) =>
  sql()<{ data: Record<string, unknown>; actor: string }[]>`select e.data, e.actor from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = ${kind} order by e.id`;
const ticketRow = async (number: number) => (await sql()<{ status: string; csatScore: number | null; csatComment: string | null }[]>`select status, csat_score, csat_comment from tickets where number = ${number}`)[0]!;

/** A customer's ticket, resolved by Ada, whose survey has reached them. */
async function resolvedTicket(customer: string): Promise<number> {
  const number = await desk.write(customer, 'The export button does nothing');
  await desk.app.tickets.reply({ ticket: number, author: ADA, text: 'Fixed in today’s release.' });
  await desk.app.tickets.transition(number, 'resolve', ADA);
  await expect.poll(() => received(customer).length, { timeout: 15_000 }).toBe(2);
  return number;
}

describe('the satisfaction survey', () => {
  it('goes out once when a ticket is resolved, asking for a reply from 1 to 5, and is recorded as requested', async () => {
    const customer = 'survey@example.com';
    const number = await resolvedTicket(customer);
    expect(received(customer)[1]).toBe(`How did we do with ticket #${number}? Reply with a number from 1 (poor) to 5 (excellent), and a comment if you like.`);
    const [requested] = await eventsOf(number, 'csat-requested');
    expect(requested!.data).toEqual({ messageId: expect.any(String), answer: 'reply' });

    // Reopened and resolved again: no second survey.
    await desk.app.tickets.transition(number, 'reopen', ADA);
    await desk.app.tickets.transition(number, 'resolve', ADA);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(received(customer)).toHaveLength(2);
    expect(await eventsOf(number, 'csat-requested')).toHaveLength(1);
    await expect.poll(() => threadTexts(number), { timeout: 15_000 }).toContainEqual(expect.stringMatching(/^:robot_face: \*Switchboard\* sent the customer the satisfaction survey:/));
  });

  it('records a reply of "4 thanks!" as 4 with its comment, on the card and in the thread, without reopening', async () => {
    const customer = 'four@example.com';
    const number = await resolvedTicket(customer);
    const { ticket } = (await desk.app.inbound({ id: 'four-thanks', from: customer, text: '4 thanks!' })).json;
    expect(ticket).toBe(number);
    expect(await ticketRow(number)).toEqual({ status: 'resolved', csatScore: 4, csatComment: 'thanks!' });
    const [rated] = await eventsOf(number, 'csat');
    expect(rated).toEqual({ actor: 'customer', data: { score: 4, comment: 'thanks!', messageId: expect.any(String) } });
    const [answer] = await sql()<{ id: string; automatic: string }[]>`select id, automatic from messages where external_id = 'four-thanks'`;
    expect(rated!.data.messageId).toBe(answer!.id);
    expect(answer!.automatic).toBe('survey');
    await expect.poll(() => threadTexts(number), { timeout: 15_000 }).toContainEqual(':star: The customer rated this ticket ★★★★☆ 4/5: “thanks!”');
    await expect.poll(async () => blockText(desk.slack.message(TRIAGE, await desk.cardTs(number))), { timeout: 15_000 }).toContain('★★★★☆ 4/5 “thanks!”');
    expect(await slashTicket(desk, `show ${number}`)).toContain('resolved · normal priority · <@U0AGENT001> · rated ★★★★☆ 4/5');

    // A second number is conversation no more: the score is taken once.
    await desk.app.inbound({ id: 'four-again', from: customer, text: '5' });
    expect((await ticketRow(number)).csatScore).toBe(4);
    expect(await eventsOf(number, 'csat')).toHaveLength(1);
  });

  it('takes a reply that is no score, "it broke again", as a message that reopens the ticket, with no score', async () => {
    const customer = 'broke@example.com';
    const number = await resolvedTicket(customer);
    const { ticket } = (await desk.app.inbound({ id: 'broke-again', from: customer, text: 'it broke again' })).json;
    expect(ticket).toBe(number);
    expect(await ticketRow(number)).toEqual({ status: 'open', csatScore: null, csatComment: null });
    expect(await eventsOf(number, 'csat')).toEqual([]);
    const [message] = await sql()<{ automatic: string | null }[]>`select automatic from messages where external_id = 'broke-again'`;
    expect(message!.automatic).toBeNull();
  });

  it('is not sent for a ticket closed without being resolved (as a merge closes it)', async () => {
    const customer = 'closed@example.com';
    const number = await desk.write(customer, 'Duplicate of my other request');
    await desk.app.tickets.transition(number, 'close', ADA);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(received(customer)).toEqual([]);
    expect(await eventsOf(number, 'csat-requested')).toEqual([]);
  });

  it('is withdrawn when the ticket is merged away before the survey could leave', async () => {
    const customer = 'merged@example.com';
    const number = await desk.write(customer, 'Same problem as my colleague');
    // The customer's app is busy: the survey waits two seconds for its turn…
    desk.customer.failNext(1, 429, 2);
    await desk.app.tickets.transition(number, 'resolve', ADA);
    await expect.poll(() => desk.customer.posts.filter((p) => p.body.to === customer).map((p) => p.status), { timeout: 15_000 }).toEqual([429]);
    // …while the ticket is merged into another of the customer's (issue 17's merge).
    const other = await desk.write(customer, 'And the same again, elsewhere', { conversation: 'merged-elsewhere' });
    expect((await desk.app.tickets.merge(number, other, ADA)).already).toBe(false);
    await expect.poll(async () => (await sql()`select delivery_code from messages m join tickets t on t.id = m.ticket_id where t.number = ${number} and m.automatic = 'survey'`).map((r) => r.deliveryCode), { timeout: 15_000 }).toEqual(['survey_withdrawn']);
    expect(received(customer)).toEqual([]);
  });
});
