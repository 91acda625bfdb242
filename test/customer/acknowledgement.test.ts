/**
 * Issue 18's acknowledgement and "status", as the customer and the agents see them: the API
 * channel's customer app, the Slack emulator, business hours in Berlin, a clock the test moves,
 * and a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { ADA, startSlackDesk, type SlackDesk } from '../slack/helpers.ts';
import { ALL_ON, BERLIN_OFFICE, deskFile } from './helpers.ts';

const clock = manualClock(new Date('2026-06-06T10:00:00Z'));
let desk: SlackDesk;
let config: Awaited<ReturnType<typeof deskFile>>;

beforeAll(async () => {
  config = await deskFile(ALL_ON);
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SWITCHBOARD_CONFIG: config.file, SLACK_POST_RATE: '20', ...BERLIN_OFFICE }, switchboard: { clock } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await config?.remove();
});

const sql = () => desk.app.db.sql;
let n = 0;
/** A customer message through the API channel under a platform id of its own; returns the answer. */
async function writes(from: string, text: string, id = `ack-${++n}`) {
  const { status, json } = await desk.app.inbound({ id, from, name: 'Nora', text });
  expect(status).toBe(200);
  return json as { ticket: number; message: string; duplicate: boolean };
}
/** What the customer's app received for `to`, oldest first. */
const received = (to: string) => desk.customer.delivered().filter((reply) => reply.to === to).map((reply) => reply.text);
const threadTexts = async (number: number) => (await desk.thread(number)).map((m) => m.text ?? '');
const ticketCount = async () => Number((await sql()<{ n: number }[]>`select count(*)::int as n from tickets`)[0]!.n);

describe('the acknowledgement of a new ticket', () => {
  it("tells the customer the ticket number and, on a Saturday, that the desk answers from Monday 9:00", async () => {
    clock.set(new Date('2026-06-06T10:00:00Z')); // Saturday, 12:00 in Berlin
    const { ticket } = await writes('sat@example.com', 'My parcel is lost');
    await expect.poll(() => received('sat@example.com'), { timeout: 15_000 }).toHaveLength(1);
    const [ack] = received('sat@example.com');
    expect(ack).toContain(`#${ticket}`);
    expect(ack).toContain('We usually answer within 4 hours');
    expect(ack).toMatch(/outside our hours now, so expect us Monday from 9:00/);
  });

  it('says only the usual time inside business hours, from the target of the ticket', async () => {
    clock.set(new Date('2026-06-08T08:00:00Z')); // Monday, 10:00 in Berlin
    const { ticket } = await writes('mon@example.com', 'Can I change my address?');
    await expect.poll(() => received('mon@example.com'), { timeout: 15_000 }).toHaveLength(1);
    expect(received('mon@example.com')[0]).toBe(`Thank you for writing to us. Your ticket number is #${ticket}. We usually answer within 4 hours.`);
  });

  it('is sent once: a repeated first message sends no second, nor does a second message', async () => {
    clock.set(new Date('2026-06-08T09:00:00Z'));
    const first = await writes('twice@example.com', 'Hello?', 'twice-1');
    const again = await writes('twice@example.com', 'Hello?', 'twice-1');
    expect(again).toEqual({ ...first, duplicate: true });
    await writes('twice@example.com', 'Anyone there?');
    await expect.poll(() => received('twice@example.com'), { timeout: 15_000 }).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(received('twice@example.com')).toHaveLength(1);
    const acks = await sql()`select 1 from messages m join tickets t on t.id = m.ticket_id where t.number = ${first.ticket} and m.automatic = 'acknowledgement'`;
    expect(acks).toHaveLength(1);
  });

  it('is not sent to someone who opted out (an SMS STOP), nor is a status question answered', async () => {
    const from = 'stopped@example.com';
    const stop = await desk.app.tickets.ingest({ kind: 'message', channel: 'api', externalId: 'stop-1', from, conversation: from, text: 'STOP', attachments: [], consent: 'opt-out' });
    await desk.app.tickets.ingest({ kind: 'message', channel: 'api', externalId: 'stop-2', from, conversation: from, text: 'status', attachments: [] });
    const automatic = await sql()`select m.automatic from messages m join tickets t on t.id = m.ticket_id where t.number = ${stop.ticket} and m.automatic is not null`;
    expect(automatic).toEqual([]);
  });

  it("leaves the SLA's first reply running, and is shown in the thread as sent by Switchboard", async () => {
    clock.set(new Date('2026-06-08T09:30:00Z'));
    const { ticket } = await writes('sla@example.com', 'Is the shop open today?');
    await expect.poll(() => received('sla@example.com'), { timeout: 15_000 }).toHaveLength(1);
    // Sent and recorded as sent: the SLA engine has seen the send.
    await expect.poll(async () => (await sql()`select 1 from events e join tickets t on t.id = e.ticket_id where t.number = ${ticket} and e.kind = 'reply-sent'`).length, { timeout: 15_000 }).toBe(1);
    const view = await desk.app.tickets.view(ticket);
    expect(view.firstResponseAt).toBeNull();
    expect(view.sla).toContainEqual(expect.objectContaining({ metric: 'firstReply', paused: false, breachedAt: null }));
    const [sent] = await sql()<{ data: Record<string, unknown> }[]>`select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${ticket} and e.kind = 'reply-sent'`;
    expect(sent!.data.automatic).toBe('acknowledgement');
    await expect.poll(() => threadTexts(ticket), { timeout: 15_000 }).toContainEqual(expect.stringMatching(/^:robot_face: \*Switchboard\* sent the customer the acknowledgement:\nThank you for writing/));

    // An agent's reply is still the first response.
    await desk.app.tickets.reply({ ticket, author: ADA, text: 'Yes, until six.' });
    await expect.poll(async () => (await desk.app.tickets.view(ticket)).firstResponseAt, { timeout: 15_000 }).not.toBeNull();
  });
});

describe('"status"', () => {
  it('answers with the open tickets, who has them and in what state, and opens none', async () => {
    clock.set(new Date('2026-06-08T10:00:00Z'));
    const customer = 'status@example.com';
    const { ticket: first } = await writes(customer, 'My invoice is wrong');
    const { ticket: second } = await writes(customer, 'And my login fails', undefined);
    expect(second).toBe(first); // one conversation, one ticket
    const { ticket: other } = (await desk.app.inbound({ id: `ack-${++n}`, from: customer, conversation: 'app-chat', text: 'Also: the app crashes' })).json;
    await desk.app.tickets.claim(first, ADA);
    // Slack tells the desk who Ada is once her claim is on the card.
    await expect.poll(async () => (await sql()`select name from agent_profiles where agent = ${ADA}`).map((r) => r.name), { timeout: 15_000 }).toEqual(['Ada Lovelace']);
    await expect.poll(() => received(customer).length, { timeout: 15_000 }).toBe(2); // the two acknowledgements

    const before = await ticketCount();
    const asked = await writes(customer, ' Status ', 'status-question');
    expect(asked.ticket).toBe(first);
    await expect.poll(() => received(customer).length, { timeout: 15_000 }).toBe(3);
    const answer = received(customer)[2]!;
    expect(answer).toContain(`#${first} “My invoice is wrong”: in progress, with Ada Lovelace`);
    expect(answer).toContain(`#${other} “Also: the app crashes”: received, waiting for the next free agent`);
    expect(await ticketCount()).toBe(before);

    // Delivered again (a retry of the platform): stored once, answered once.
    expect(await writes(customer, ' Status ', 'status-question')).toMatchObject({ ticket: first, duplicate: true });
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(received(customer)).toHaveLength(3);
    // Shown in the thread as an exchange with Switchboard, and no reply for the SLA's clock.
    await expect.poll(() => threadTexts(first), { timeout: 15_000 }).toContainEqual(expect.stringMatching(/^:robot_face: \*Switchboard\* sent the customer the status of their tickets:/));
    const [row] = await sql()<{ automatic: string }[]>`select automatic from messages where external_id = 'status-question'`;
    expect(row!.automatic).toBe('status');
  });

  it('does not reopen a resolved ticket', async () => {
    clock.set(new Date('2026-06-08T11:00:00Z'));
    const customer = 'resolved@example.com';
    const { ticket } = await writes(customer, 'Please cancel my order');
    await desk.app.tickets.transition(ticket, 'resolve', ADA);
    const asked = await writes(customer, 'STATUS?');
    expect(asked.ticket).toBe(ticket);
    await expect.poll(() => received(customer).some((text) => text.includes(`#${ticket} “Please cancel my order”: resolved`)), { timeout: 15_000 }).toBe(true);
    expect((await desk.app.tickets.find(ticket))!.status).toBe('resolved');
  });

  it('is answered in the conversation it was asked in, recorded on the customer’s latest ticket', async () => {
    const customer = 'elsewhere@example.com';
    const { ticket } = (await desk.app.inbound({ id: 'web-1', from: customer, conversation: 'web', text: 'The checkout hangs' })).json;
    const before = await ticketCount();
    const asked = (await desk.app.inbound({ id: 'mobile-1', from: customer, conversation: 'mobile', text: 'status' })).json;
    expect(asked.ticket).toBe(ticket);
    expect(await ticketCount()).toBe(before);
    await expect.poll(() => desk.customer.delivered().filter((r) => r.to === customer && r.conversation === 'mobile').map((r) => r.text), { timeout: 15_000 }).toEqual([
      `Your tickets with us:\n#${ticket} “The checkout hangs”: received, waiting for the next free agent`,
    ]);
  });

  it('is an ordinary first message from someone who never wrote before', async () => {
    const before = await ticketCount();
    const { ticket } = await writes('stranger@example.com', 'status');
    expect(await ticketCount()).toBe(before + 1);
    expect((await desk.app.tickets.find(ticket))!.status).toBe('new');
  });
});
