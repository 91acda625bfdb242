/**
 * The event webhook as a CRM sees it: a real instance, the API channel, the SLA engine with
 * short targets, and a fake receiver (test/fakes/event-webhook) that records every POST.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, SECRET, startWebhookDesk, ticketLife, until, type WebhookDesk } from './helpers.ts';

let desk: WebhookDesk;
beforeAll(async () => {
  // Urgent tickets (a life starts as one): first reply due in 3 s, warned at half of it;
  // everything else off, so the SLA's events of a life are exactly a warning and a breach, and
  // no other ticket here has any.
  const off = { firstReply: null, nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null };
  const targets = { urgent: { ...off, firstReply: '3s' }, high: off, normal: off, low: off };
  desk = await startWebhookDesk({ env: { SLA_TARGETS: JSON.stringify(targets), SLA_WARN_AT: '0.5' } });
}, 60_000);
afterAll(() => desk?.close());

const outbox = (number: number) =>
  desk.app.db.sql<{ eventId: string; refusedStatus: number | null; lastError: string | null }[]>`
    select o.event_id::text, o.refused_status, o.last_error from event_webhook_outbox o join tickets t on t.id = o.line where t.number = ${number}`;

describe('the event webhook', () => {
  it("receives every event of a ticket's life in order, signed, each once, with the ticket as that change left it", async () => {
    // The SLA warns and then breaches before the agent answers.
    const number = await ticketLife(desk, 'life@example.com', async (n) => {
      await until(async () => (await desk.eventsOf(n)).some((e) => e.kind === 'sla-breach'), 'the first-reply breach', 10_000);
    });
    const events = await desk.eventsOf(number);
    const delivered = await desk.waitForAll(number);

    expect(delivered.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(delivered.map((e) => e.type)).toEqual(events.map((e) => e.kind));
    expect(new Set(delivered.map((e) => e.type))).toEqual(
      new Set(['created', 'routed', 'message', 'sla-warning', 'sla-breach', 'claimed', 'status', 'priority', 'team-moved', 'tagged', 'reply-sent', 'escalated']),
    );
    const posts = desk.receiver.posts.filter((p) => p.event.ticket?.number === number);
    expect(posts).toHaveLength(events.length);
    for (const post of posts) {
      expect(post.verifies(SECRET)).toBe(true);
      expect(post.verifies('another-secret-0123456789abcdef')).toBe(false);
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers['x-switchboard-event-id']).toBe(post.event.id);
    }
    expect(await outbox(number)).toEqual([]);

    const of = (type: string, match: (e: (typeof delivered)[number]) => boolean = () => true) => delivered.find((e) => e.type === type && match(e))!;
    expect(of('created')).toMatchObject({
      actor: 'customer',
      data: { channel: 'api' },
      ticket: { number, status: 'new', priority: 'urgent', assignee: null, team: 'support', channel: 'api', contact: { name: 'life', address: 'life@example.com' } },
    });
    expect(of('routed')).toMatchObject({ actor: 'system', data: { team: 'support', rules: ['late orders'], priority: 'urgent' } });
    expect(of('message', (e) => e.data.direction === 'inbound').data.message).toMatchObject({ direction: 'inbound', text: 'My order #1234 is late', author: null });
    expect(of('sla-breach')).toMatchObject({ actor: 'sla', data: { metric: 'firstReply', level: 1 }, ticket: { status: 'new' } });
    expect(of('claimed')).toMatchObject({ actor: AGENT, data: { assignee: AGENT }, ticket: { assignee: AGENT, status: 'open' } });
    expect(of('priority')).toMatchObject({ data: { from: 'urgent', to: 'high' }, ticket: { priority: 'high', team: 'support' } });
    expect(of('team-moved')).toMatchObject({ data: { from: 'support', to: 'billing' }, ticket: { team: 'billing' } });
    expect(of('message', (e) => e.data.direction === 'note').data.message).toMatchObject({ direction: 'note', author: AGENT, text: 'Carrier says Tuesday' });
    // Event time: the reply's message event shows it queued, the reply-sent event shows it sent.
    expect(of('message', (e) => e.data.direction === 'outbound').data.message).toMatchObject({ text: 'It arrives on Tuesday', delivery: 'queued' });
    expect(of('reply-sent').data.message).toMatchObject({ text: 'It arrives on Tuesday', delivery: 'sent' });
    expect(of('status', (e) => e.data.to === 'pending').ticket!.status).toBe('pending');
    expect(of('status', (e) => e.data.to === 'resolved')).toMatchObject({ actor: AGENT, ticket: { status: 'resolved', tags: ['shipping'] } });
    for (const event of delivered) expect(Date.parse(event.at)).not.toBeNaN();
  }, 45_000);

  it("keeps two tickets apart: one ticket's failing events hold up only that ticket", async () => {
    const blocked = await desk.write('blocked@example.com', 'first');
    desk.receiver.answer((event) => (event.ticket?.number === blocked ? 500 : undefined));
    await desk.app.tickets.note({ ticket: blocked, author: AGENT, text: 'while the CRM fails it' });
    const flowing = await desk.write('flowing@example.com', 'second');
    await desk.app.tickets.claim(flowing, AGENT);
    await desk.app.tickets.setPriority(flowing, 'high', AGENT);

    const flowed = await desk.waitForAll(flowing);
    expect(flowed.map((e) => e.id)).toEqual((await desk.eventsOf(flowing)).map((e) => e.id));
    // Meanwhile the blocked ticket was tried again, and again, and nothing of it passed.
    await until(() => desk.receiver.posts.filter((p) => p.event.ticket?.number === blocked && p.status === 500).length >= 3, 'retries of the blocked ticket');
    expect(desk.deliveredFor(blocked).length).toBeLessThan((await desk.eventsOf(blocked)).length);

    desk.receiver.answer(() => undefined);
    const recovered = await desk.waitForAll(blocked);
    expect(recovered.map((e) => e.id)).toEqual((await desk.eventsOf(blocked)).map((e) => e.id));
  });

  it('waits out a 429 for its Retry-After, then delivers the event once', async () => {
    const number = await desk.write('slow-down@example.com', 'hello');
    await desk.waitForAll(number);
    let told = false;
    desk.receiver.answer((event) => {
      if (event.ticket?.number !== number || told) return undefined;
      told = true;
      return { status: 429, retryAfter: 2 };
    });
    await desk.app.tickets.claim(number, AGENT);
    const delivered = await desk.waitForAll(number);
    const claimed = desk.receiver.posts.filter((p) => p.event.ticket?.number === number && p.event.type === 'claimed');
    expect(claimed.map((p) => p.status)).toEqual([429, 200]);
    expect(claimed[1]!.at - claimed[0]!.at).toBeGreaterThanOrEqual(1_900);
    expect(delivered.filter((e) => e.type === 'claimed')).toHaveLength(1);
  });

  it('sets aside an event the receiver refuses for good (422, 410) and goes on with the ticket', async () => {
    const number = await desk.write('refused@example.com', 'hello');
    await desk.waitForAll(number);
    desk.receiver.answer((event) => {
      if (event.ticket?.number !== number) return undefined;
      if (event.type === 'tagged') return { status: 422, body: '{"error":"unknown tag"}' };
      if (event.type === 'priority') return 410;
      return undefined;
    });
    await desk.app.tickets.tag(number, ['odd'], AGENT);
    await desk.app.tickets.setPriority(number, 'low', AGENT);
    await desk.app.tickets.claim(number, AGENT);
    await desk.receiver.waitFor((d) => d.some((e) => e.ticket?.number === number && e.type === 'claimed'), 10_000, 'the claim after the refusals');

    const posts = desk.receiver.posts.filter((p) => p.event.ticket?.number === number);
    expect(posts.filter((p) => p.event.type === 'tagged').map((p) => p.status)).toEqual([422]);
    expect(posts.filter((p) => p.event.type === 'priority').map((p) => p.status)).toEqual([410]);
    // Acknowledged events leave the outbox (just after the receiver answers); the refused stay.
    await until(async () => (await outbox(number)).every((row) => row.refusedStatus !== null), 'the outbox holding only the refused');
    const kept = await outbox(number);
    expect(kept.map((row) => row.refusedStatus).sort()).toEqual([410, 422]);
    expect(kept.find((row) => row.refusedStatus === 422)!.lastError).toBe('answered 422: {"error":"unknown tag"}');
    desk.receiver.answer(() => undefined);
  });

  it('holds the line on a 404 (a receiver not there yet) and delivers everything once it is', async () => {
    const number = await desk.write('not-yet@example.com', 'hello');
    await desk.waitForAll(number);
    desk.receiver.answer((event) => (event.ticket?.number === number ? 404 : undefined));
    await desk.app.tickets.claim(number, AGENT);
    await desk.app.tickets.transition(number, 'resolve', AGENT);
    await until(() => desk.receiver.posts.filter((p) => p.event.ticket?.number === number && p.status === 404).length >= 2, 'the 404s');
    desk.receiver.answer(() => undefined);
    const delivered = await desk.waitForAll(number);
    expect(delivered.map((e) => e.id)).toEqual((await desk.eventsOf(number)).map((e) => e.id));
    expect(await outbox(number)).toEqual([]);
  });
});
