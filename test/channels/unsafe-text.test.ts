import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwilioEmulator, type TwilioEmulator } from '../fakes/twilio/index.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';
import { PUBLIC_BASE_URL, SMS_NUMBERS, WHATSAPP_NUMBER, twilioEnv } from './twilio/helpers.ts';

// Text Postgres cannot store, sent by customers through real channels into a running instance:
// U+0000 (which `text` refuses) and a lone surrogate (which has no UTF-8 encoding). Each is
// stored cleaned and answered 200, once, however often the platform delivers it again.

const INBOUND = `${PUBLIC_BASE_URL}/webhooks/twilio`;
const STATUS = `${PUBLIC_BASE_URL}/webhooks/twilio/status`;
let twilio: TwilioEmulator;
let app: TestSwitchboard;

beforeAll(async () => {
  twilio = await startTwilioEmulator({
    senders: [...SMS_NUMBERS, `whatsapp:${WHATSAPP_NUMBER}`],
    route: (url) => url.replace(PUBLIC_BASE_URL, app.url),
  });
  app = await startTestSwitchboard({ env: twilioEnv(twilio) });
});
afterAll(async () => {
  await app?.close();
  await twilio?.close();
});

interface Stored {
  text: string;
  externalId: string;
  conversation: string;
  name: string | null;
  subject: string | null;
}

async function stored(channel: string, externalId: string): Promise<Stored[]> {
  return app.db.sql<Stored[]>`
    select m.text, m.external_id, t.conversation, c.name, t.subject
    from messages m join tickets t on t.id = m.ticket_id join contacts c on c.id = t.contact_id
    where m.channel = ${channel} and m.external_id = ${externalId}`;
}

describe('customer text Postgres cannot store, through the API channel', () => {
  it('stores a message with U+0000 and lone surrogates in its text, name, id and conversation, cleaned, and answers 200', async () => {
    // JSON.stringify writes a lone surrogate as the escape `\ud800`, exactly what a client sends.
    const body = {
      id: 'api-\u0000dirty-\ud800',
      from: 'unsafe-api-\u0000customer',
      name: 'Ana\u0000 \udc00',
      conversation: 'conv-\u0000\ud800',
      text: 'hello\u0000 world \ud800!',
    };
    expect(JSON.stringify(body)).toContain('\\ud800');
    const first = await app.inbound(body);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ duplicate: false });
    expect(await stored('api', 'api-dirty-\ufffd')).toEqual([
      { text: 'hello world \ufffd!', externalId: 'api-dirty-\ufffd', conversation: 'conv-\ufffd', name: 'Ana \ufffd', subject: 'hello world \ufffd!' },
    ]);
    const [identity] = await app.db.sql<{ address: string }[]>`select address from identities where address like 'unsafe-api-%'`;
    expect(identity?.address).toBe('unsafe-api-customer');

    // The client retries with the same dirty id: the same message, stored once.
    const again = await app.inbound(body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ ...first.json, duplicate: true });
    expect(await stored('api', 'api-dirty-\ufffd')).toHaveLength(1);
  });

  it('refuses with 422 naming the field an id that was nothing but U+0000', async () => {
    const answer = await app.inbound({ id: '\u0000\u0000', from: 'unsafe-api-empty', text: 'hi' });
    expect(answer.status).toBe(422);
    expect(answer.json).toMatchObject({ error: 'invalid_field', field: 'id' });
  });
});

describe('customer text Postgres cannot store, through signed Twilio webhooks', () => {
  it('stores an SMS with U+0000 in its body and message SID, cleaned, answers 200 with TwiML, and a redelivery once', async () => {
    const params = twilio.inboundSms({ from: '+15553000001', to: SMS_NUMBERS[0]!, body: 'my\u0000 parcel\u0000', sid: `SM${'1'.repeat(31)}\u0000` });
    const first = await twilio.post(INBOUND, params);
    expect(first.status).toBe(200);
    expect(await first.text()).toMatch(/<Response\/>/);
    const sid = `SM${'1'.repeat(31)}`;
    expect(await stored('sms', sid)).toEqual([{ text: 'my parcel', externalId: sid, conversation: '+15553000001', name: null, subject: 'my parcel' }]);

    // Twilio retries (a new idempotency token each time): still one message.
    const again = await twilio.post(INBOUND, params);
    expect(again.status).toBe(200);
    expect(await stored('sms', sid)).toHaveLength(1);
  });

  it('stores a WhatsApp message with U+0000 and a lone surrogate in its body, profile name and SID, cleaned', async () => {
    // Form encoding carries only well-formed text: a lone surrogate leaves the client as U+FFFD,
    // which is what is signed and what arrives.
    const sid = `SM${'2'.repeat(32)}`;
    const params = twilio.inboundWhatsApp({ from: '+15553000002', to: WHATSAPP_NUMBER, body: 'hola\u0000 \ud800', profileName: 'Bea\u0000\ud800', sid: `${sid}\u0000` });
    const response = await twilio.post(INBOUND, params);
    expect(response.status).toBe(200);
    expect(await stored('whatsapp', sid)).toEqual([{ text: 'hola \ufffd', externalId: sid, conversation: '+15553000002', name: 'Bea\ufffd', subject: 'hola \ufffd' }]);
  });

  it('answers 200 to a message whose sender has U+0000 in it, and stores nothing: that is not a phone number', async () => {
    const sid = `SM${'4'.repeat(32)}`;
    const params = twilio.inboundSms({ from: '+15553000004', to: SMS_NUMBERS[0]!, body: 'hello', sid });
    params.From = '+1555300\u00000004';
    const response = await twilio.post(INBOUND, params);
    expect(response.status).toBe(200);
    expect(await stored('sms', sid)).toEqual([]);
  });

  it('answers 200 to a status callback with U+0000 in its SID and error code', async () => {
    const params = twilio.statusCallback({ sid: `SM${'3'.repeat(31)}\u0000`, from: SMS_NUMBERS[0]!, to: '+15553000003', status: 'failed', errorCode: '30003\u0000' });
    const response = await twilio.post(STATUS, params);
    expect(response.status).toBe(200);
    // No message of ours has that SID yet: the report is held for it, cleaned.
    const held = await app.db.sql<{ externalId: string; code: string }[]>`
      select external_id, code from early_delivery_reports where external_id = ${`SM${'3'.repeat(31)}`}`;
    expect(held).toEqual([{ externalId: `SM${'3'.repeat(31)}`, code: '30003' }]);
  });
});
