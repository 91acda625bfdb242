import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../../src/shared/clock.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../../helpers/switchboard.ts';
import { PUBLIC_BASE_URL, SMS_NUMBERS, WHATSAPP_NUMBER, twilioEnv } from './helpers.ts';

// SMS and WhatsApp through the whole pipeline: the real twilio SDK against the emulator,
// signed webhooks into a running instance, a real Postgres.

const INBOUND = `${PUBLIC_BASE_URL}/webhooks/twilio`;
const HOUR = 3_600_000;
const clock = manualClock(new Date('2026-11-23T10:00:00Z'));
let twilio: TwilioEmulator;
let app: TestSwitchboard;

beforeAll(async () => {
  twilio = await startTwilioEmulator({
    senders: [...SMS_NUMBERS, `whatsapp:${WHATSAPP_NUMBER}`],
    sendsPerSecond: 50,
    route: (url) => url.replace(PUBLIC_BASE_URL, app.url),
  });
  app = await startTestSwitchboard({ clock, env: twilioEnv(twilio, { TWILIO_SEND_RATE: '50', TWILIO_WHATSAPP_TEMPLATE_SID: `HX${'a'.repeat(32)}` }) });
});
afterAll(async () => {
  await app?.close();
  await twilio?.close();
});

let n = 0;
const customer = () => `+1555${String(2_000_000 + ++n).padStart(7, '0')}`;

const rows = async () => {
  const [row] = await app.db.sql<{ messages: number; contacts: number }[]>`
    select (select count(*)::int from messages) as messages, (select count(*)::int from contacts) as contacts`;
  return row!;
};

async function ticketOf(sid: string): Promise<number> {
  const [row] = await app.db.sql<{ number: number }[]>`
    select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${sid}`;
  if (!row) throw new Error(`no message stored for ${sid}`);
  return row.number;
}

async function until<T>(what: string, read: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const deliveryOf = async (id: string) =>
  (await app.db.sql<{ delivery: string; deliveryCode: string | null; deliveryReason: string | null; externalId: string | null }[]>`
    select delivery, delivery_code, delivery_reason, external_id from messages where id = ${id}`)[0]!;

describe('SMS and WhatsApp through Twilio', () => {
  it('turns signed SMS and WhatsApp webhooks into tickets, answering empty TwiML after commit', async () => {
    const from = customer();
    const sms = twilio.inboundSms({ from, to: SMS_NUMBERS[1]!, body: 'My parcel is late' });
    const whatsapp = twilio.inboundWhatsApp({ from, to: WHATSAPP_NUMBER, body: 'Hola', profileName: 'Ana' });
    const [a, b] = [await twilio.post(INBOUND, sms), await twilio.post(INBOUND, whatsapp)];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.text()).toMatch(/<Response\/>/);
    const [smsTicket, waTicket] = [await app.tickets.view(await ticketOf(sms.MessageSid!)), await app.tickets.view(await ticketOf(whatsapp.MessageSid!))];
    expect(smsTicket).toMatchObject({ channel: 'sms', conversation: from, messages: [{ text: 'My parcel is late', externalId: sms.MessageSid }] });
    expect(waTicket).toMatchObject({ channel: 'whatsapp', conversation: from, contact: { name: 'Ana' } });
  });

  it('makes the same number on SMS and WhatsApp one contact with a ticket per conversation', async () => {
    const from = customer();
    const sms = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'sms' });
    const whatsapp = twilio.inboundWhatsApp({ from, to: WHATSAPP_NUMBER, body: 'wa' });
    await twilio.post(INBOUND, sms);
    await twilio.post(INBOUND, whatsapp);
    const [a, b] = [await app.tickets.view(await ticketOf(sms.MessageSid!)), await app.tickets.view(await ticketOf(whatsapp.MessageSid!))];
    expect(a.number).not.toBe(b.number);
    expect(a.contact.id).toBe(b.contact.id);
    expect(a.contact.identities).toEqual([{ kind: 'phone', address: from }]);
  });

  it('refuses an unsigned, a forged and a tampered webhook with 403 and stores nothing', async () => {
    const before = await rows();
    const params = twilio.inboundSms({ from: customer(), to: SMS_NUMBERS[0]!, body: 'forged' });
    const answers = [
      await twilio.post(INBOUND, params, { signature: null }),
      await twilio.post(INBOUND, params, { signWith: 'not-the-auth-token' }),
      await twilio.post(INBOUND, { ...params, Body: 'tampered' }, { signedParams: params }),
    ];
    expect(answers.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(await rows()).toEqual(before);
  });

  it('stores a webhook redelivered with the same MessageSid once', async () => {
    const params = twilio.inboundSms({ from: customer(), to: SMS_NUMBERS[0]!, body: 'twice' });
    expect((await twilio.post(INBOUND, params)).status).toBe(200);
    expect((await twilio.post(INBOUND, params)).status).toBe(200);
    const stored = await app.db.sql`select id from messages where external_id = ${params.MessageSid!}`;
    expect(stored).toHaveLength(1);
  });

  it('sends an agent reply once, to the customer, from the number they wrote to, even when Twilio first answers 503', async () => {
    const from = customer();
    const params = twilio.inboundSms({ from, to: SMS_NUMBERS[2]!, body: 'help' });
    await twilio.post(INBOUND, params);
    twilio.failNext(1, { status: 503 });
    const reply = await app.tickets.reply({ ticket: await ticketOf(params.MessageSid!), author: 'U1', text: 'On its way' });
    const sent = await until('the reply to leave', async () => ((await deliveryOf(reply.id)).externalId ? deliveryOf(reply.id) : undefined));
    const received = twilio.outbox(from);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: SMS_NUMBERS[2], to: from, body: 'On its way', statusCallback: `${PUBLIC_BASE_URL}/webhooks/twilio/status` });
    expect(sent.externalId).toBe(received[0]!.sid);
    expect(twilio.calls.filter((c) => c.method === 'POST' && /Messages\.json$/.test(c.path)).map((c) => c.status).slice(-2)).toEqual([503, 201]);
  });

  it('marks a reply delivered when Twilio calls back delivered', async () => {
    const from = customer();
    const params = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'hi' });
    await twilio.post(INBOUND, params);
    const reply = await app.tickets.reply({ ticket: await ticketOf(params.MessageSid!), author: 'U1', text: 'Hello!' });
    await until('the delivered callback', async () => ((await deliveryOf(reply.id)).delivery === 'delivered' ? true : undefined));
  });

  it('shows a failed delivery\'s reason in words in the ticket\'s thread', async () => {
    const from = customer();
    twilio.failDelivery(from, { status: 'undelivered', code: 30003 });
    const params = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'hi' });
    await twilio.post(INBOUND, params);
    const ticket = await ticketOf(params.MessageSid!);
    const reply = await app.tickets.reply({ ticket, author: 'U1', text: 'Anyone there?' });
    const failed = await until('the undelivered callback', async () => {
      const row = await deliveryOf(reply.id);
      return row.delivery === 'undelivered' ? row : undefined;
    });
    expect(failed.deliveryCode).toBe('30003');
    const system = (await app.tickets.view(ticket)).messages.filter((m) => m.direction === 'system');
    expect(system.at(-1)!.text).toMatch(/^Not delivered: .*(unreachable|switched off|not reachable)/i);
  });

  it('after STOP sends nothing and says why in the thread; after START sends again', async () => {
    const from = customer();
    const hello = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'hello' });
    await twilio.post(INBOUND, hello);
    const ticket = await ticketOf(hello.MessageSid!);
    await twilio.post(INBOUND, twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'STOP', optOutType: 'STOP' }));
    const blocked = await app.tickets.reply({ ticket, author: 'U1', text: 'Are you still there?' });
    const refused = await until('the refusal', async () => ((await deliveryOf(blocked.id)).delivery === 'failed' ? deliveryOf(blocked.id) : undefined));
    expect(refused).toMatchObject({ deliveryCode: 'opted_out' });
    const thread = (await app.tickets.view(ticket)).messages.filter((m) => m.direction === 'system').map((m) => m.text);
    expect(thread).toContain('The customer opted out (STOP): nothing more is sent to them until they write START.');
    expect(thread.at(-1)).toMatch(/^Not delivered: the customer opted out \(STOP\)/);

    await twilio.post(INBOUND, twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'START', optOutType: 'START' }));
    const allowed = await app.tickets.reply({ ticket, author: 'U1', text: 'Welcome back' });
    await until('the reply after START', async () => ((await deliveryOf(allowed.id)).externalId ? true : undefined));
    expect(twilio.outbox(from).map((m) => m.body)).toEqual(['Welcome back']); // the refused reply never went out
  });

  it('does not send a WhatsApp reply outside 24 hours: marks it failed, explains it, and offers the template', async () => {
    const from = customer();
    const params = twilio.inboundWhatsApp({ from, to: WHATSAPP_NUMBER, body: 'hello' });
    await twilio.post(INBOUND, params);
    const ticket = await ticketOf(params.MessageSid!);
    clock.advance(25 * HOUR);
    try {
      const late = await app.tickets.reply({ ticket, author: 'U1', text: 'Sorry for the wait' });
      const row = await until('the refusal', async () => ((await deliveryOf(late.id)).delivery === 'failed' ? deliveryOf(late.id) : undefined));
      expect(row.deliveryCode).toBe('outside_window');
      const note = (await app.tickets.view(ticket)).messages.at(-1)!;
      expect(note.direction).toBe('system');
      expect(note.text).toMatch(/^Not delivered: outside the 1d window: the customer last wrote 1d 1h ago\. The approved template can be sent instead/);
      expect(twilio.outbox(from)).toEqual([]);

      const template = await app.tickets.sendTemplate(ticket, 'U1');
      await until('the template', async () => ((await deliveryOf(template.id)).externalId ? true : undefined));
      expect(twilio.outbox(from)).toMatchObject([{ from: `whatsapp:${WHATSAPP_NUMBER}`, contentSid: `HX${'a'.repeat(32)}`, contentVariables: JSON.stringify({ 1: `#${ticket}` }) }]);
    } finally {
      clock.advance(-25 * HOUR);
    }
  });

  it('tells the agent what a long SMS reply costs', async () => {
    const params = twilio.inboundSms({ from: customer(), to: SMS_NUMBERS[0]!, body: 'tell me everything' });
    await twilio.post(INBOUND, params);
    const ticket = await ticketOf(params.MessageSid!);
    await app.tickets.reply({ ticket, author: 'U1', text: 'x'.repeat(400) });
    const system = (await app.tickets.view(ticket)).messages.filter((m) => m.direction === 'system');
    expect(system.map((m) => m.text)).toContain('This reply costs 3 SMS segments.');
  });

  it('stores an MMS image with the message, downloaded with the account credentials', async () => {
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const params = twilio.inboundMms({ from: customer(), to: SMS_NUMBERS[0]!, body: 'see photo', media: [{ data: image, contentType: 'image/png' }] });
    expect((await twilio.post(INBOUND, params)).status).toBe(200);
    const view = await app.tickets.view(await ticketOf(params.MessageSid!));
    expect(view.messages[0]!.attachments).toEqual([{ name: expect.stringMatching(/\.png$/), contentType: 'image/png', size: image.byteLength }]);
    expect(twilio.mediaFetches.at(-2)).toMatchObject({ authorized: true });
  });

  it('sends an agent\'s file as a signed link Twilio can fetch, and refuses a forged link', async () => {
    const from = customer();
    const params = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'send the invoice' });
    await twilio.post(INBOUND, params);
    const file = await app.tickets.context.files.put({ name: 'invoice.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4 hello') });
    const reply = await app.tickets.reply({ ticket: await ticketOf(params.MessageSid!), author: 'U1', text: 'Here it is', attachments: [file] });
    await until('the reply', async () => ((await deliveryOf(reply.id)).externalId ? true : undefined));
    const [sent] = twilio.outbox(from);
    expect(sent!.mediaUrls).toHaveLength(1);
    const link = new URL(sent!.mediaUrls[0]!);
    expect(link.origin).toBe(PUBLIC_BASE_URL);
    const fetched = await fetch(`${app.url}${link.pathname}${link.search}`);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await fetched.arrayBuffer()).toString()).toBe('%PDF-1.4 hello');
    const forged = new URL(link);
    forged.searchParams.set('signature', '0'.repeat(64));
    expect((await fetch(`${app.url}${forged.pathname}${forged.search}`)).status).toBe(404);
  });
});
