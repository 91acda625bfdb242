import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChannelSendError, type OutboundAttachment } from '../../../src/channels/contract.ts';
import { stickySender, toChannelSendError } from '../../../channels/twilio/outbound.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import { buildChannels, PUBLIC_BASE_URL, reply, SMS_NUMBERS, testDeps, twilioEnv, WHATSAPP_NUMBER } from './helpers.ts';

const CUSTOMER = '+447700900123';
let twilio: TwilioEmulator;

beforeEach(async () => {
  twilio = await startTwilioEmulator({
    autoStatus: false,
    sendsPerSecond: 100,
    senders: [...SMS_NUMBERS, `whatsapp:${WHATSAPP_NUMBER}`],
  });
});
afterEach(() => twilio.close());

/** A stored file, with a public URL when the core serves files publicly. */
function attachment(name: string, contentType: string, url?: string): OutboundAttachment {
  return { name, contentType, size: 3, ...(url ? { url } : {}), read: async () => new Uint8Array(3) };
}

/** Awaits a send that must fail, returning its ChannelSendError. */
async function sendError(promise: Promise<unknown>): Promise<ChannelSendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelSendError);
  return error as ChannelSendError;
}

describe('sending SMS through the Twilio SDK', () => {
  it('creates the message at TWILIO_API_URL with the sticky sender and our status callback', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    const result = await sms!.send(reply(CUSTOMER, 'Your refund was issued.'));

    expect(twilio.messages).toHaveLength(1);
    const [sent] = twilio.messages;
    expect(result).toEqual({ externalId: sent!.sid, state: 'queued' });
    expect(sent).toMatchObject({
      to: CUSTOMER,
      from: sms!.pacingKey!({ to: CUSTOMER, conversation: CUSTOMER }),
      body: 'Your refund was issued.',
      statusCallback: `${PUBLIC_BASE_URL}/webhooks/twilio/status`,
    });
    expect(SMS_NUMBERS).toContain(sent!.from);
    expect(twilio.calls[0]).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, status: 201 });
  });

  it('always answers a customer from the same number, and spreads customers over the numbers', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    const customers = Array.from({ length: 30 }, (_, i) => `+4477009001${String(i).padStart(2, '0')}`);
    for (const customer of customers) {
      await sms!.send(reply(customer, 'first'));
      await sms!.send(reply(customer, 'second'));
    }
    for (const customer of customers) {
      const froms = new Set(twilio.outbox(customer).map((m) => m.from));
      expect(froms).toEqual(new Set([sms!.pacingKey!({ to: customer, conversation: customer })]));
    }
    expect(new Set(twilio.messages.map((m) => m.from)).size).toBe(SMS_NUMBERS.length);
  });

  it('keeps most customers on their number when a number is added', () => {
    const customers = Array.from({ length: 300 }, (_, i) => `+44770090${String(i).padStart(4, '0')}`);
    const before = customers.map((c) => stickySender(SMS_NUMBERS, c));
    const after = customers.map((c) => stickySender([...SMS_NUMBERS, '+15550000004'], c));
    const moved = before.filter((sender, i) => sender !== after[i]);
    expect(moved.length).toBeLessThan(customers.length / 2);
    expect(after.filter((sender, i) => sender !== before[i]).every((s) => s === '+15550000004')).toBe(true);
  });

  it('sends through the Messaging Service instead of a From number when one is configured', async () => {
    const service = 'MG' + 'e'.repeat(32);
    await twilio.close();
    twilio = await startTwilioEmulator({ autoStatus: false, messagingServices: { [service]: ['+15550000007'] } });
    const { sms } = buildChannels(twilioEnv(twilio, { TWILIO_MESSAGING_SERVICE_SID: service }));
    const result = await sms!.send(reply(CUSTOMER, 'hello'));
    expect(result.state).toBe('queued');
    expect(twilio.messages[0]).toMatchObject({ messagingServiceSid: service, from: '+15550000007', status: 'accepted' });
    expect(sms!.pacingKey!({ to: CUSTOMER, conversation: CUSTOMER })).toBe(service);
  });

  it('hands Twilio the public URLs of attachments as MediaUrl', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    const file = attachment('invoice.pdf', 'application/pdf', 'https://files.example.com/invoice.pdf');
    await sms!.send(reply(CUSTOMER, 'Here is your invoice', { attachments: [file] }));
    expect(twilio.messages[0]).toMatchObject({ mediaUrls: ['https://files.example.com/invoice.pdf'], sid: expect.stringMatching(/^MM/) });
  });

  it('refuses, without calling Twilio, an attachment Twilio could not fetch', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    const file = attachment('secret.png', 'image/png');
    const error = await sendError(sms!.send(reply(CUSTOMER, 'photo', { attachments: [file] })));
    expect(error).toMatchObject({ retryable: false, code: 'attachment-without-url' });
    expect(twilio.calls).toHaveLength(0);
  });

  it('reports the segment count Twilio bills, matching the agent notice', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    const text = `${'Thanks for your patience. '.repeat(12)}🙂`;
    await sms!.send(reply(CUSTOMER, text));
    const notice = sms!.replyNotice!(text);
    expect(notice).toContain(`costs ${twilio.messages[0]!.numSegments} SMS segments`);
  });
});

describe('send failures', () => {
  it('reports a 503 as retryable, then sends once Twilio is back', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    twilio.failNext(1, { status: 503 });
    const error = await sendError(sms!.send(reply(CUSTOMER, 'hello')));
    expect(error).toMatchObject({ retryable: true, code: '20503' });
    expect(twilio.messages).toHaveLength(0);

    const result = await sms!.send(reply(CUSTOMER, 'hello'));
    expect(result.externalId).toBe(twilio.messages[0]!.sid);
  });

  it('reports a 429 as retryable after the Retry-After Twilio sent', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    twilio.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const error = await sendError(sms!.send(reply(CUSTOMER, 'hello')));
    expect(error).toMatchObject({ retryable: true, code: '20429', retryAfterMs: 7000 });
  });

  it('is refused with 429 beyond the sender’s rate, and told when to come back', async () => {
    twilio.setSendRate(1);
    const { sms } = buildChannels(twilioEnv(twilio));
    await sms!.send(reply(CUSTOMER, 'one'));
    const error = await sendError(sms!.send(reply(CUSTOMER, 'two')));
    expect(error).toMatchObject({ retryable: true, code: '20429', retryAfterMs: 1000 });
    expect(twilio.outbox(CUSTOMER).map((m) => m.body)).toEqual(['one']);
  });

  it('reports an invalid number (21211) as final, with the code and a reason', async () => {
    const { sms } = buildChannels(twilioEnv(twilio));
    const error = await sendError(sms!.send(reply('+1555', 'hello')));
    expect(error).toMatchObject({ retryable: false, code: '21211', message: 'the customer number is not a valid phone number' });
  });

  it('reports a customer who replied STOP (21610) as final', async () => {
    twilio.refuseRecipient(CUSTOMER, 21610);
    const { sms } = buildChannels(twilioEnv(twilio));
    const error = await sendError(sms!.send(reply(CUSTOMER, 'hello')));
    expect(error).toMatchObject({ retryable: false, code: '21610', message: expect.stringContaining('opted out') });
  });

  it('reports wrong credentials (20003) as final', async () => {
    const { sms } = buildChannels(twilioEnv(twilio, { TWILIO_AUTH_TOKEN: '0'.repeat(32) }));
    const error = await sendError(sms!.send(reply(CUSTOMER, 'hello')));
    expect(error).toMatchObject({ retryable: false, code: '20003' });
    expect(twilio.calls[0]).toMatchObject({ status: 401, code: 20003 });
  });

  it('reports Twilio being unreachable as retryable', async () => {
    const env = twilioEnv(twilio);
    await twilio.close();
    const { sms } = buildChannels(env);
    const error = await sendError(sms!.send(reply(CUSTOMER, 'hello')));
    expect(error.retryable).toBe(true);
    expect(error.code).toBeUndefined();
    twilio = await startTwilioEmulator();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const tooMany = Object.assign(new Error('Too Many Requests'), { status: 429, code: 20429 });
    const waitFor = (retryAfter: string) => toChannelSendError(tooMany, retryAfter, now).retryAfterMs;
    expect(waitFor('30')).toBe(30_000);
    expect(waitFor('Tue, 01 Jan 2030 00:00:10 GMT')).toBe(10_000);
    expect(waitFor('soon')).toBeUndefined();
  });
});

describe('sending on WhatsApp', () => {
  it('sends from and to whatsapp: addresses, with the 24-hour window as a limit', async () => {
    const { whatsapp } = buildChannels(twilioEnv(twilio));
    await whatsapp!.send(reply(CUSTOMER, 'Hola Ana'));
    expect(twilio.messages[0]).toMatchObject({ from: `whatsapp:${WHATSAPP_NUMBER}`, to: `whatsapp:${CUSTOMER}`, body: 'Hola Ana' });
    expect(whatsapp!.limits.replyWindowMs).toBe(24 * 60 * 60 * 1000);
    expect(whatsapp!.pacingKey!({ to: CUSTOMER, conversation: CUSTOMER })).toBe(`whatsapp:${WHATSAPP_NUMBER}`);
  });

  it('sends one media item per WhatsApp message, the first with the text', async () => {
    const { whatsapp } = buildChannels(twilioEnv(twilio));
    const file = (n: number) => attachment(`${n}.jpg`, 'image/jpeg', `https://files.example.com/${n}.jpg`);
    const result = await whatsapp!.send(reply(CUSTOMER, 'two photos', { attachments: [file(1), file(2)] }));
    expect(twilio.outbox(CUSTOMER).map((m) => [m.body, m.mediaUrls])).toEqual([
      ['two photos', ['https://files.example.com/1.jpg']],
      ['', ['https://files.example.com/2.jpg']],
    ]);
    expect(result.externalId).toBe(twilio.messages[0]!.sid);
  });

  it('sends the configured template outside the window, with the ticket number as its variable', async () => {
    const template = 'HX' + 'a'.repeat(32);
    const { whatsapp } = buildChannels(twilioEnv(twilio, { TWILIO_WHATSAPP_TEMPLATE_SID: template }));
    await whatsapp!.sendOutsideReplyWindow!(reply(CUSTOMER, 'the agent reply', { ticket: 77 }));
    expect(twilio.messages[0]).toMatchObject({ contentSid: template, contentVariables: '{"1":"#77"}', body: '', to: `whatsapp:${CUSTOMER}` });
  });

  it('has nothing to send outside the window without a template', () => {
    const { whatsapp } = buildChannels(twilioEnv(twilio));
    expect(whatsapp!.sendOutsideReplyWindow).toBeUndefined();
  });
});

describe('channel wiring', () => {
  it('shares one set of webhooks, the module\'s, not any one channel\'s', () => {
    const { all, inbound } = buildChannels(twilioEnv(twilio), testDeps());
    expect(all.map((c) => c.name)).toEqual(['sms', 'whatsapp']);
    expect(all.some((c) => 'handleWebhook' in c || 'webhooks' in c)).toBe(false);
    expect(inbound.routes).toEqual([
      { method: 'POST', path: '/webhooks/twilio' },
      { method: 'POST', path: '/webhooks/twilio/status' },
    ]);
  });

  it('declares SMS limits: 1600 characters, MMS size, TWILIO_SEND_RATE per sender', () => {
    const { sms } = buildChannels(twilioEnv(twilio, { TWILIO_SEND_RATE: '3' }));
    expect(sms!.limits).toEqual({ maxTextLength: 1600, maxAttachmentBytes: 5 * 1024 * 1024, sendsPerSecond: 3 });
  });
});
