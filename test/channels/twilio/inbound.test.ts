import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelAuthError } from '../../../src/channels/contract.ts';
import {
  parseTwilioForm,
  parseTwilioWebhook,
  smsConsent,
  twilioMediaRefs,
  verifyTwilioSignature,
} from '../../../channels/twilio/inbound.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';

const URL_INBOUND = 'https://desk.example.com/webhooks/twilio';
const CUSTOMER = '+447700900123';
const OURS = '+15550000001';
let twilio: TwilioEmulator;

beforeAll(async () => {
  twilio = await startTwilioEmulator({ autoStatus: false });
});
afterAll(() => twilio.close());

/** What the adapter receives: the form body Twilio posts, decoded. */
const asReceived = (params: Record<string, string>) => parseTwilioForm(new URLSearchParams(params).toString());

describe('Twilio signature check', () => {
  it('accepts a webhook signed over the public URL with the account auth token', () => {
    const params = twilio.inboundSms({ from: CUSTOMER, to: OURS, body: 'Hello & welcome + more' });
    expect(() => verifyTwilioSignature(twilio.authToken, twilio.sign(URL_INBOUND, params), URL_INBOUND, asReceived(params))).not.toThrow();
  });

  it('refuses a payload changed after signing with a 403', () => {
    const params = twilio.inboundSms({ from: CUSTOMER, to: OURS, body: 'Refund 10' });
    const signature = twilio.sign(URL_INBOUND, params);
    const tampered = asReceived({ ...params, Body: 'Refund 1000' });
    expect(() => verifyTwilioSignature(twilio.authToken, signature, URL_INBOUND, tampered)).toThrow(
      expect.objectContaining({ name: 'ChannelAuthError', status: 403 }),
    );
  });

  it('refuses a signature made with another token, or for another URL, or none at all', () => {
    const params = twilio.inboundSms({ from: CUSTOMER, to: OURS, body: 'hi' });
    const received = asReceived(params);
    const forged = twilio.sign(URL_INBOUND, params, 'f'.repeat(32));
    const otherUrl = twilio.sign('https://attacker.example.com/webhooks/twilio', params);
    for (const signature of [forged, otherUrl, null, '']) {
      expect(() => verifyTwilioSignature(twilio.authToken, signature, URL_INBOUND, received)).toThrow(ChannelAuthError);
    }
  });
});

describe('parsing Twilio webhooks', () => {
  it('turns an incoming SMS into a message keyed by MessageSid from the E.164 sender, to our number', () => {
    const params = twilio.inboundSms({ from: CUSTOMER, to: OURS, body: 'My parcel is late' });
    expect(parseTwilioWebhook(asReceived(params))).toEqual({
      kind: 'message',
      channel: 'sms',
      externalId: params.MessageSid,
      from: CUSTOMER,
      conversation: CUSTOMER,
      recipient: OURS,
      text: 'My parcel is late',
      attachments: [],
    });
  });

  it('turns a WhatsApp message into a whatsapp message named after the ProfileName', () => {
    const params = twilio.inboundWhatsApp({ from: CUSTOMER, to: OURS, body: 'Hola', profileName: 'Ana García' });
    expect(params.From).toBe(`whatsapp:${CUSTOMER}`);
    expect(parseTwilioWebhook(asReceived(params))).toMatchObject({
      kind: 'message',
      channel: 'whatsapp',
      externalId: params.MessageSid,
      from: CUSTOMER,
      conversation: CUSTOMER,
      name: 'Ana García',
      text: 'Hola',
    });
  });

  it('lists MMS media in order with Twilio’s content types', () => {
    const params = twilio.inboundMms({
      from: CUSTOMER,
      to: OURS,
      body: 'see photos',
      media: [
        { data: new Uint8Array([1]), contentType: 'image/jpeg' },
        { data: new Uint8Array([2]), contentType: 'application/pdf' },
      ],
    });
    expect(params.MessageSid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(twilioMediaRefs(asReceived(params))).toEqual([
      { url: params.MediaUrl0, contentType: 'image/jpeg' },
      { url: params.MediaUrl1, contentType: 'application/pdf' },
    ]);
  });

  it('reads a WhatsApp location pin, which has no Body, as a maps link', () => {
    const params = { ...twilio.inboundWhatsApp({ from: CUSTOMER, to: OURS }), Latitude: '51.5', Longitude: '-0.12', Label: 'Depot' };
    expect(parseTwilioWebhook(asReceived(params))).toMatchObject({ text: 'Location: Depot https://maps.google.com/?q=51.5,-0.12' });
  });

  it('answers unsupported, never throws, for payloads that are not messaging webhooks', () => {
    const voice = { CallSid: 'CA' + '0'.repeat(32), From: CUSTOMER, To: OURS, CallStatus: 'ringing' };
    expect(parseTwilioWebhook(asReceived(voice))).toMatchObject({ kind: 'unsupported' });
    expect(parseTwilioWebhook({})).toMatchObject({ kind: 'unsupported' });
    const fromShortCode = twilio.inboundSms({ from: 'ACME', to: OURS, body: 'promo' });
    expect(parseTwilioWebhook(asReceived(fromShortCode))).toMatchObject({ kind: 'unsupported' });
  });
});

describe('SMS consent keywords', () => {
  it.each(['STOP', 'stop', ' Stop ', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])('"%s" opts out', (body) => {
    expect(smsConsent(body)).toBe('opt-out');
  });

  it.each(['START', 'yes', 'Unstop'])('"%s" opts back in', (body) => {
    expect(smsConsent(body)).toBe('opt-in');
  });

  it('ignores keywords inside a longer message, and HELP', () => {
    expect(smsConsent('please stop calling me')).toBeUndefined();
    expect(smsConsent('HELP')).toBeUndefined();
  });

  it('trusts OptOutType from a Messaging Service with custom keywords', () => {
    expect(smsConsent('ARRET', 'STOP')).toBe('opt-out');
    expect(smsConsent('OUI', 'START')).toBe('opt-in');
  });

  it('records consent on SMS messages but not on WhatsApp, where STOP is just a word', () => {
    const sms = twilio.inboundSms({ from: CUSTOMER, to: OURS, body: 'STOP' });
    const whatsapp = twilio.inboundWhatsApp({ from: CUSTOMER, to: OURS, body: 'STOP' });
    expect(parseTwilioWebhook(asReceived(sms))).toMatchObject({ kind: 'message', text: 'STOP', consent: 'opt-out' });
    expect(parseTwilioWebhook(asReceived(whatsapp))).not.toHaveProperty('consent');
  });
});

describe('status callbacks', () => {
  const sid = 'SM' + '1'.repeat(32);
  it.each([
    ['accepted', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sent'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
  ])('maps Twilio "%s" to %s', (twilioStatus, state) => {
    const params = twilio.statusCallback({ sid, from: OURS, to: CUSTOMER, status: twilioStatus });
    expect(parseTwilioWebhook(asReceived(params))).toMatchObject({ kind: 'status', channel: 'sms', externalId: sid, state });
  });

  it('carries the ErrorCode and a reason in words for a failed delivery', () => {
    const params = twilio.statusCallback({ sid, from: OURS, to: CUSTOMER, status: 'undelivered', errorCode: 30003 });
    expect(parseTwilioWebhook(asReceived(params))).toEqual({
      kind: 'status',
      channel: 'sms',
      externalId: sid,
      state: 'undelivered',
      error: { code: '30003', reason: "the customer's phone is unreachable (off or out of coverage)" },
    });
  });

  it('explains a WhatsApp failure outside the 24-hour window', () => {
    const params = twilio.statusCallback({ sid, from: `whatsapp:${OURS}`, to: `whatsapp:${CUSTOMER}`, status: 'failed', errorCode: 63016 });
    expect(parseTwilioWebhook(asReceived(params))).toMatchObject({
      channel: 'whatsapp',
      state: 'failed',
      error: { code: '63016', reason: expect.stringContaining('24-hour window') },
    });
  });

  it('falls back to the code’s documentation link for codes it has no words for', () => {
    const params = twilio.statusCallback({ sid, from: OURS, to: CUSTOMER, status: 'failed', errorCode: 12345 });
    expect(parseTwilioWebhook(asReceived(params))).toMatchObject({
      error: { code: '12345', reason: 'Twilio error 12345 (https://www.twilio.com/docs/api/errors/12345)' },
    });
  });

  it('answers unsupported for statuses it does not track', () => {
    for (const status of ['partially_delivered', 'canceled']) {
      const params = twilio.statusCallback({ sid, from: OURS, to: CUSTOMER, status });
      expect(parseTwilioWebhook(asReceived(params))).toMatchObject({ kind: 'unsupported' });
    }
  });
});
