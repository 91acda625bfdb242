import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { addSystemMessage, change, type Ticket } from '../../src/tickets/index.ts';
import { ADA, GRACE, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));
const messagesOf = (number: number) =>
  desk.app.db.sql<{ direction: string; author: string | null; text: string; slackTs: string | null; delivery: string | null; attachments: { name: string }[] }[]>`
    select m.direction, m.author, m.text, m.slack_ts, m.delivery, m.attachments from messages m join tickets t on t.id = m.ticket_id
    where t.number = ${number} order by m.seq`;

describe("agents' replies in a card's thread", () => {
  it('reaches the customer once, even when Slack retries the event; claims the ticket and leaves it open; shows delivery with a reaction', async () => {
    const number = await desk.write('reply@example.com', 'Where is my parcel?');
    const ts = await desk.cardTs(number);
    const { message, event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: 'It left the warehouse &amp; arrives <https://track.example/1|tomorrow>' });
    const envelope = desk.slack.eventCallback(event);
    const first = await desk.slack.http.event(desk.eventsUrl, envelope);
    const retried = await Promise.all([1, 2].map((retryNum) => desk.slack.http.event(desk.eventsUrl, envelope, { retryNum, retryReason: 'http_timeout' })));
    expect([first, ...retried].map((d) => d.status)).toEqual([200, 200, 200]);
    const jobs = await desk.app.db.sql`select id from pgboss.job where name = 'slack.event' and data->>'eventId' = ${String(envelope.event_id)}`;
    expect(jobs).toHaveLength(1);

    const delivered = await desk.customer.waitForDelivered(1);
    const ours = delivered.filter((b) => b.ticket === number);
    expect(ours).toEqual([expect.objectContaining({ text: 'It left the warehouse & arrives tomorrow (https://track.example/1)', to: 'reply@example.com' })]);
    await settle();
    expect(desk.customer.delivered().filter((b) => b.ticket === number)).toHaveLength(1);

    const view = await desk.app.tickets.view(number);
    expect(view).toMatchObject({ assignee: ADA, status: 'open' });
    // Recorded as sent once the platform's answer is back, which can be after the customer has it.
    await expect.poll(async () => (await messagesOf(number)).filter((m) => m.direction === 'outbound'), { timeout: 10_000 }).toEqual([expect.objectContaining({ author: ADA, slackTs: message.ts, delivery: 'sent' })]);
    await expect.poll(() => desk.slack.message(TRIAGE, message.ts)?.reactions?.map((r) => r.name), { timeout: 10_000 }).toEqual(['white_check_mark']);
  });

  it('keeps a note: reply in Slack and stores it as an internal note', async () => {
    const number = await desk.write('note@example.com', 'Hi');
    const ts = await desk.cardTs(number);
    const { event } = desk.slack.userPosts({ user: GRACE, channel: TRIAGE, thread_ts: ts, text: 'NOTE: VIP, handle with care' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    await expect.poll(async () => (await messagesOf(number)).map((m) => [m.direction, m.text]), { timeout: 10_000 }).toEqual([
      ['inbound', 'Hi'],
      ['note', 'VIP, handle with care'],
    ]);
    await settle();
    expect(desk.customer.posts.filter((p) => p.body.ticket === number)).toEqual([]);
    expect((await desk.app.tickets.view(number)).assignee).toBeNull();
  });

  it("ignores the bot's own posts echoed back as message events", async () => {
    desk.slack.echoBotMessages({ url: desk.eventsUrl });
    try {
      const number = await desk.write('echo@example.com', 'first');
      await desk.cardTs(number);
      await desk.write('echo@example.com', 'second, mirrored by the bot');
      await expect.poll(async () => (await desk.thread(number)).length, { timeout: 10_000 }).toBe(1);
      await expect.poll(() => desk.slack.echoes.filter((e) => e.status === 200).length).toBeGreaterThanOrEqual(2);
      await settle();
      expect((await messagesOf(number)).map((m) => m.direction)).toEqual(['inbound', 'inbound']);
    } finally {
      desk.slack.echoBotMessages(false);
    }
  });

  it('tells the agent, only them, when a reply cannot be sent (closed ticket)', async () => {
    const number = await desk.write('closed@example.com', 'thanks, bye');
    const ts = await desk.cardTs(number);
    await desk.app.tickets.transition(number, 'close', ADA);
    const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: 'one more thing' });
    await desk.slack.http.event(desk.eventsUrl, event);
    await expect.poll(() => desk.slack.ephemerals(ADA).map((e) => e.text), { timeout: 10_000 }).toContain(`Not sent to the customer: #${number} is closed: start a new ticket.`);
    expect((await messagesOf(number)).map((m) => m.direction)).toEqual(['inbound']);
  });

  it('says in the thread that the customer still has the original when an agent edits or deletes a sent reply', async () => {
    const number = await desk.write('edit@example.com', 'hello');
    const ts = await desk.cardTs(number);
    const { message, event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: 'Your refund is 10 EUR' });
    await desk.slack.http.event(desk.eventsUrl, event);
    await expect.poll(() => desk.customer.delivered().filter((b) => b.ticket === number).length, { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => (await messagesOf(number)).at(-1)?.delivery, { timeout: 10_000 }).toBe('sent');
    await desk.slack.http.event(desk.eventsUrl, desk.slack.userEdits({ user: ADA, channel: TRIAGE, ts: message.ts, text: 'Your refund is 100 EUR' }));
    await expect.poll(async () => (await desk.thread(number)).map((m) => m.text), { timeout: 10_000 }).toContain(
      `:warning: <@${ADA}> edited a reply in Slack only: the customer still has the original.`,
    );
    await desk.slack.http.event(desk.eventsUrl, desk.slack.userDeletes({ channel: TRIAGE, ts: message.ts }));
    await expect.poll(async () => (await desk.thread(number)).map((m) => m.text), { timeout: 10_000 }).toContain(
      `:warning: <@${ADA}> deleted a reply in Slack only: the customer still has the original.`,
    );
    expect(desk.customer.delivered().filter((b) => b.ticket === number)).toHaveLength(1);
  });

  it("sends a file an agent drops in the thread to the customer", async () => {
    const number = await desk.write('getfile@example.com', 'send me the invoice');
    const ts = await desk.cardTs(number);
    const { event } = desk.slack.userUploads({ user: ADA, channel: TRIAGE, thread_ts: ts, filename: 'invoice.pdf', content: '%PDF-1.4 invoice', text: 'Here it is' });
    await desk.slack.http.event(desk.eventsUrl, event);
    await expect.poll(() => desk.customer.delivered().filter((b) => b.ticket === number).length, { timeout: 10_000 }).toBe(1);
    const [reply] = desk.customer.delivered().filter((b) => b.ticket === number);
    expect(reply).toMatchObject({ text: 'Here it is', attachments: [{ name: 'invoice.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 invoice').toString('base64') }] });
  });
});

describe('a reply refused outside the platform\'s window', () => {
  it('shows the reason with a button offering the approved template, which reaches the ticket service', async () => {
    const number = await desk.write('window@example.com', 'hello from long ago');
    await desk.cardTs(number);
    // What delivery records when WhatsApp's 24-hour window has closed (src/tickets/delivery.ts).
    await change(desk.app.tickets.context, async (tx, record, at) => {
      const [ticket] = await tx<Ticket[]>`select * from tickets where number = ${number}`;
      await addSystemMessage(tx, record, ticket!, 'Not delivered: outside the 24h window. The approved template can be sent instead, inviting the customer to write back.', at, {
        code: 'outside_window',
        offer: 'template',
      });
    });
    await expect.poll(async () => (await desk.thread(number)).length, { timeout: 10_000 }).toBe(1);
    const [offer] = await desk.thread(number);
    expect(offer!.text).toContain('Not delivered: outside the 24h window');
    const click = desk.slack.blockActions({ user: GRACE, channel: TRIAGE, ts: offer!.ts, actionId: CARD_ACTIONS.sendTemplate });
    expect((await desk.slack.http.interaction(desk.eventsUrl, click)).status).toBe(200);
    // The API channel has no template: the ticket service refuses, and the agent is told why.
    await expect.poll(() => desk.slack.ephemerals(GRACE).map((e) => e.text), { timeout: 10_000 }).toContain(`#${number} is on api, which has no approved template to send.`);
  });
});

describe('delivery failures', () => {
  let failing: SlackDesk;
  beforeAll(async () => {
    failing = await startSlackDesk({ switchboard: { delivery: { maxAttempts: 1 } } });
  });
  afterAll(() => failing?.close());

  it('shows the reason in the thread when a reply could not be delivered', async () => {
    const number = await failing.write('unlucky@example.com', 'hello?');
    const ts = await failing.cardTs(number);
    failing.customer.failNext(1, 500);
    const { event } = failing.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: 'Hello!' });
    await failing.slack.http.event(failing.eventsUrl, event);
    await expect.poll(async () => (await failing.thread(number)).map((m) => m.text), { timeout: 10_000 }).toContain(
      ':information_source: Not delivered: webhook answered 500 (gave up after 1 attempts)',
    );
  });
});
