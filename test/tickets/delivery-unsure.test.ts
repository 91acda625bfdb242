import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverTicket } from '../../src/tickets/delivery.ts';
import { PUBLIC_BASE_URL, SMS_NUMBERS, twilioEnv } from '../channels/twilio/helpers.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../fakes/twilio/index.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';

// A send whose answer never came may have reached Twilio. Before sending such a reply again,
// delivery asks Twilio (the Messages list) whether it has it, and records it instead: found by
// npm run chaos (kill -9 between a send and its recording; a send answered after the client
// had given up). Real SDK against the emulator, real Postgres, the real delivery job.

let twilio: TwilioEmulator;
let app: TestSwitchboard;

beforeAll(async () => {
  twilio = await startTwilioEmulator({ senders: SMS_NUMBERS, sendsPerSecond: 50, route: (url) => url.replace(PUBLIC_BASE_URL, app.url) });
  app = await startTestSwitchboard({ env: twilioEnv(twilio, { TWILIO_SEND_RATE: '50' }) });
});
afterAll(async () => {
  twilio?.releaseHung();
  await app?.close();
  await twilio?.close();
});

let n = 0;
async function smsTicket(): Promise<{ from: string; ticket: number; ticketId: number }> {
  const from = `+1555${String(3_000_000 + ++n).padStart(7, '0')}`;
  const params = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'where is my parcel?' });
  expect((await twilio.post(`${PUBLIC_BASE_URL}/webhooks/twilio`, params)).status).toBe(200);
  const [row] = await app.db.sql<{ number: number; id: number }[]>`
    select t.number, t.id from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${params.MessageSid!}`;
  return { from, ticket: row!.number, ticketId: row!.id };
}

async function settled(id: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await app.db.sql<{ delivery: string; externalId: string | null; attempts: number; unsureSince: Date | null }[]>`
      select delivery, external_id, attempts, unsure_since from messages where id = ${id}`;
    if (row?.externalId || row?.delivery === 'failed') return row;
    if (Date.now() > until) throw new Error(`reply ${id} still ${JSON.stringify(row)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const callsSince = (from: number) => twilio.calls.slice(from).map((c) => `${c.method} ${c.status}${c.dropped ? ' dropped' : ''}`);

describe('a reply whose send got no answer (Twilio)', () => {
  it('is recorded with the message Twilio made, not sent again, when the answer was lost', async () => {
    const { from, ticket } = await smsTicket();
    const before = twilio.calls.length;
    twilio.failNext(1, { drop: 'after' });
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'Your parcel left the depot' });
    const row = await settled(reply.id);
    const received = twilio.outbox(from).filter((m) => m.body === 'Your parcel left the depot');
    expect(received).toHaveLength(1);
    expect(row).toMatchObject({ delivery: expect.stringMatching(/queued|sent|delivered/), externalId: received[0]!.sid, unsureSince: null });
    expect(callsSince(before)).toEqual(['POST 201 dropped', 'GET 200']);
  });

  it('is sent again when Twilio has no such message (the request was lost on the way in)', async () => {
    const { from, ticket } = await smsTicket();
    const before = twilio.calls.length;
    twilio.failNext(1, { drop: 'before' });
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'Lost, then sent' });
    const row = await settled(reply.id);
    const received = twilio.outbox(from).filter((m) => m.body === 'Lost, then sent');
    expect(received).toHaveLength(1);
    expect(row.externalId).toBe(received[0]!.sid);
    expect(callsSince(before)).toEqual(['POST 0 dropped', 'GET 200', 'POST 201']);
  });

  it('waits, without sending blind, while Twilio cannot be asked', async () => {
    const { from, ticket } = await smsTicket();
    const before = twilio.calls.length;
    twilio.failNext(1, { drop: 'after' });
    twilio.failNext(2, { status: 503 });
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'Asked twice' });
    const row = await settled(reply.id);
    const received = twilio.outbox(from).filter((m) => m.body === 'Asked twice');
    expect(received).toHaveLength(1);
    expect(row.externalId).toBe(received[0]!.sid);
    expect(callsSince(before)).toEqual(['POST 201 dropped', 'GET 503', 'GET 503', 'GET 200']);
  });

  it('does not take a message of the same text already recorded for an earlier reply', async () => {
    const { from, ticket } = await smsTicket();
    const first = await app.tickets.reply({ ticket, author: 'U1', text: 'Noted' });
    const firstRow = await settled(first.id);
    const before = twilio.calls.length;
    twilio.failNext(1, { drop: 'before' });
    const second = await app.tickets.reply({ ticket, author: 'U1', text: 'Noted' });
    const secondRow = await settled(second.id);
    const received = twilio.outbox(from).filter((m) => m.body === 'Noted');
    expect(received.map((m) => m.sid)).toEqual([firstRow.externalId, secondRow.externalId]);
    expect(callsSince(before)).toEqual(['POST 0 dropped', 'GET 200', 'POST 201']);
  });

  it('a reply sent before its worker stopped answering is not sent again when its claim expires', async () => {
    const { from, ticket, ticketId } = await smsTicket();
    twilio.failNext(1, { hang: true });
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'Sent by a worker that died' });
    // The first worker's send reached Twilio, whose answer never comes (as if the worker were
    // killed). Its claim runs out (aged here rather than waited for: a minute of wall clock)
    // and another worker takes the reply up.
    const until = Date.now() + 10_000;
    while (!twilio.outbox(from).some((m) => m.body === 'Sent by a worker that died')) {
      if (Date.now() > until) throw new Error('the first send never reached Twilio');
      await new Promise((r) => setTimeout(r, 20));
    }
    await app.db.sql`update messages set claimed_until = now() - interval '1 second' where id = ${reply.id}`;
    await deliverTicket(app.tickets.context, ticketId);
    const row = await settled(reply.id);
    twilio.releaseHung();
    await new Promise((r) => setTimeout(r, 300));
    const received = twilio.outbox(from).filter((m) => m.body === 'Sent by a worker that died');
    expect(received).toHaveLength(1);
    expect(row).toMatchObject({ externalId: received[0]!.sid, attempts: 2 });
  });
});
