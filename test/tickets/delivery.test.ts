import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverTicket } from '../../src/tickets/delivery.ts';
import { startApiReceiver, type ApiReceiver } from '../fakes/api/receiver.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';

let app: TestSwitchboard;
let customer: ApiReceiver;
beforeAll(async () => {
  customer = await startApiReceiver(TEST_API_TOKEN);
  app = await startTestSwitchboard({ env: { API_CHANNEL_WEBHOOK_URL: customer.url } });
});
afterAll(async () => {
  await app?.close();
  await customer?.close();
});

let sequence = 0;
async function ticketFrom(from: string): Promise<number> {
  const { json } = await app.inbound({ id: `d-${++sequence}`, from, conversation: `conv-${from}`, text: 'help' });
  return json.ticket;
}

async function waitForDelivery(id: string, states: string[], on: TestSwitchboard = app, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await on.db.sql<{ delivery: string; deliveryReason: string | null; deliveryCode: string | null; attempts: number; externalId: string | null }[]>`
      select delivery, delivery_reason, delivery_code, attempts, external_id from messages where id = ${id}`;
    if (row && states.includes(row.delivery)) return row;
    if (Date.now() > until) throw new Error(`message ${id} still ${row?.delivery} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('outbound delivery', () => {
  it('sends a reply once, signed, to the customer\'s address and conversation, and claims the ticket', async () => {
    const ticket = await ticketFrom('ada');
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'We are on it' });
    expect(reply.delivery).toBe('queued');
    const row = await waitForDelivery(reply.id, ['sent']);
    const got = customer.posts.filter((p) => p.body.id === reply.id);
    expect(got).toHaveLength(1);
    expect(got[0]!.signatureValid).toBe(true);
    expect(got[0]!.body).toEqual({ ticket, id: reply.id, to: 'ada', conversation: 'conv-ada', text: 'We are on it' });
    expect(row.externalId).toBe(reply.id);
    const view = await app.tickets.view(ticket);
    expect(view.assignee).toBe('U1');
    expect(view.status).toBe('open');
    expect(view.firstResponseAt).not.toBeNull();
  });

  it('sends a reply whose answer was lost again under the same id and Idempotency-Key, which the customer\'s app shows once', async () => {
    const ticket = await ticketFrom('lost-answer');
    customer.dropNext(1);
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'said twice, shown once' });
    const row = await waitForDelivery(reply.id, ['sent', 'failed']);
    expect(row).toMatchObject({ delivery: 'sent', attempts: 2 });
    const posts = customer.posts.filter((p) => p.body.id === reply.id);
    expect(posts.map((p) => [p.idempotencyKey, p.dropped, p.repeat, p.signatureValid])).toEqual([
      [reply.id, true, false, true],
      [reply.id, false, true, true],
    ]);
    expect(customer.shown().filter((b) => b.id === reply.id)).toHaveLength(1);
  });

  it('after a 503 and a 429, sends exactly once; only the 503 spends an attempt', async () => {
    const ticket = await ticketFrom('grace');
    customer.failNext(1, 503);
    customer.failNext(1, 429, 0);
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'third time lucky' });
    const row = await waitForDelivery(reply.id, ['sent', 'failed']);
    expect(row.delivery).toBe('sent');
    const posts = customer.posts.filter((p) => p.body.id === reply.id);
    expect(posts.map((p) => p.status)).toEqual([503, 429, 200]);
    expect(customer.delivered().filter((b) => b.id === reply.id)).toHaveLength(1);
    expect(row.attempts).toBe(2);
  });

  it('a reply refused for pace (429) more often than its attempt budget still goes out, once', async () => {
    const limited = await startTestSwitchboard({ env: { API_CHANNEL_WEBHOOK_URL: customer.url }, delivery: { maxAttempts: 2 } });
    try {
      const { json } = await limited.inbound({ id: 'paced-1', from: 'paced', text: 'hi' });
      customer.failNext(3, 429, 0);
      const reply = await limited.tickets.reply({ ticket: json.ticket, author: 'U1', text: 'patience' });
      const row = await waitForDelivery(reply.id, ['sent', 'failed'], limited);
      expect(row).toMatchObject({ delivery: 'sent', attempts: 1 });
      expect(customer.posts.filter((p) => p.body.id === reply.id).map((p) => p.status)).toEqual([429, 429, 429, 200]);
    } finally {
      await limited.close();
    }
  });

  it('a reply still refused for pace an hour after it was written spends its attempts like any failure', async () => {
    const limited = await startTestSwitchboard({ env: { API_CHANNEL_WEBHOOK_URL: customer.url }, delivery: { maxAttempts: 1 } });
    try {
      const { json } = await limited.inbound({ id: 'impatient-1', from: 'impatient', text: 'hi' });
      customer.failNext(2, 429, 60);
      const reply = await limited.tickets.reply({ ticket: json.ticket, author: 'U1', text: 'stuck behind a limit' });
      const refused = () => customer.posts.filter((p) => p.body.id === reply.id).length;
      for (const until = Date.now() + 10_000; refused() < 1 && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
      // Waiting out Retry-After (60 s) spent nothing; now the reply is two hours old.
      expect(await waitForDelivery(reply.id, ['queued'], limited)).toMatchObject({ attempts: 0 });
      await limited.db.sql`update messages set created_at = created_at - interval '2 hours', claimed_until = now() where id = ${reply.id}`;
      const [{ id }] = await limited.db.sql<{ id: number }[]>`select id from tickets where number = ${json.ticket}`;
      await deliverTicket(limited.tickets.context, id);
      const row = await waitForDelivery(reply.id, ['failed', 'sent'], limited);
      expect(row).toMatchObject({ delivery: 'failed', deliveryCode: '429', attempts: 1 });
      expect(refused()).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('marks a reply failed with the reason after the last retry', async () => {
    const limited = await startTestSwitchboard({ env: { API_CHANNEL_WEBHOOK_URL: customer.url }, delivery: { maxAttempts: 2 } });
    try {
      const { json } = await limited.inbound({ id: 'giveup-1', from: 'giveup', text: 'hi' });
      customer.failNext(2, 500);
      const reply = await limited.tickets.reply({ ticket: json.ticket, author: 'U1', text: 'never arrives' });
      const row = await waitForDelivery(reply.id, ['failed'], limited);
      expect(row.deliveryReason).toBe('webhook answered 500 (gave up after 2 attempts)');
      expect(row.deliveryCode).toBe('500');
      const view = await limited.tickets.view(json.ticket);
      expect(view.messages.at(-1)).toMatchObject({ direction: 'system', text: 'Not delivered: webhook answered 500 (gave up after 2 attempts)' });
    } finally {
      await limited.close();
    }
  });

  it('marks a reply failed at once on a non-retryable error, with its reason', async () => {
    const noWebhook = await startTestSwitchboard();
    try {
      const { json } = await noWebhook.inbound({ id: 'nowebhook-1', from: 'nowebhook', text: 'hi' });
      const reply = await noWebhook.tickets.reply({ ticket: json.ticket, author: 'U1', text: 'hello?' });
      const row = await waitForDelivery(reply.id, ['failed', 'sent'], noWebhook);
      expect(row).toMatchObject({ delivery: 'failed', deliveryCode: 'no_webhook_url', attempts: 1 });
      expect(row.deliveryReason).toMatch(/API_CHANNEL_WEBHOOK_URL is not set/);
    } finally {
      await noWebhook.close();
    }
  });

  it('sends once when the delivery job runs twice, even at the same time', async () => {
    const ticket = await ticketFrom('twice');
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'only once' });
    const [{ id }] = await app.db.sql<{ id: number }[]>`select id from tickets where number = ${ticket}`;
    await Promise.all([deliverTicket(app.tickets.context, id), deliverTicket(app.tickets.context, id), deliverTicket(app.tickets.context, id)]);
    await waitForDelivery(reply.id, ['sent']);
    await deliverTicket(app.tickets.context, id);
    await new Promise((r) => setTimeout(r, 300));
    expect(customer.posts.filter((p) => p.body.id === reply.id)).toHaveLength(1);
  });

  it('delivers replies in the order they were written, even when the first needs retries', async () => {
    const ticket = await ticketFrom('order');
    customer.failNext(2, 503);
    const first = await app.tickets.reply({ ticket, author: 'U1', text: 'one' });
    const second = await app.tickets.reply({ ticket, author: 'U1', text: 'two' });
    const third = await app.tickets.reply({ ticket, author: 'U1', text: 'three' });
    await waitForDelivery(third.id, ['sent']);
    const order = customer.delivered().filter((b) => [first.id, second.id, third.id].includes(b.id)).map((b) => b.text);
    expect(order).toEqual(['one', 'two', 'three']);
  });

  it('applies a delivery report that arrives before the send is recorded, once it is', async () => {
    const ticket = await ticketFrom('early');
    customer.failNext(1, 503);
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'quick' });
    // The API channel's platform id is our message id, so a report can name it before it is sent.
    expect(await app.tickets.recordDeliveryReport({ kind: 'status', channel: 'api', externalId: reply.id, state: 'delivered' })).toEqual({ updated: false });
    const row = await waitForDelivery(reply.id, ['delivered', 'failed']);
    expect(row.delivery).toBe('delivered');
  });

  it('never moves a delivery state backwards', async () => {
    const ticket = await ticketFrom('backwards');
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'hi' });
    await waitForDelivery(reply.id, ['sent']);
    const report = (state: 'sent' | 'delivered' | 'read' | 'failed') => app.tickets.recordDeliveryReport({ kind: 'status', channel: 'api', externalId: reply.id, state });
    expect(await report('read')).toEqual({ updated: true });
    expect(await report('delivered')).toEqual({ updated: false });
    expect(await report('failed')).toEqual({ updated: false });
    expect((await waitForDelivery(reply.id, ['read'])).delivery).toBe('read');
  });

  it('keeps a note off the wire', async () => {
    const ticket = await ticketFrom('noted');
    const note = await app.tickets.note({ ticket, author: 'U1', text: 'VIP, be nice' });
    await new Promise((r) => setTimeout(r, 500));
    expect(customer.posts.some((p) => p.body.id === note.id || p.body.text === 'VIP, be nice')).toBe(false);
    expect((await app.tickets.view(ticket)).messages.map((m) => m.direction)).toEqual(['inbound', 'note']);
  });
});
