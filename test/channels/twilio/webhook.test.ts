import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Channel, IngestResult, Sink } from '../../../src/channels/contract.ts';
import { downloadTwilioMedia } from '../../../channels/twilio/media.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import {
  buildChannels,
  PUBLIC_BASE_URL,
  recordingSink,
  reply,
  routeTo,
  serveWebhooks,
  SMS_NUMBERS,
  testDeps,
  twilioEnv,
  WHATSAPP_NUMBER,
} from './helpers.ts';

const INBOUND = `${PUBLIC_BASE_URL}/webhooks/twilio`;
const STATUS = `${PUBLIC_BASE_URL}/webhooks/twilio/status`;
const CUSTOMER = '+447700900123';
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

let twilio: TwilioEmulator;
let app: Awaited<ReturnType<typeof serveWebhooks>> | undefined;
let deps: ReturnType<typeof testDeps>;

beforeEach(async () => {
  twilio = await startTwilioEmulator({ sendsPerSecond: 100, route: routeTo(() => app!.url) });
  deps = testDeps();
});
afterEach(async () => {
  await twilio.close();
  await app?.close();
  app = undefined;
});

async function serve(sink: Sink, env = twilioEnv(twilio)): Promise<Channel[]> {
  const { all, inbound } = buildChannels(env, deps);
  app = await serveWebhooks(inbound, sink);
  return all;
}

describe('incoming messages', () => {
  it('hands a signed SMS to the sink and answers 200 with empty TwiML', async () => {
    const sink = recordingSink();
    await serve(sink);
    const params = twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'Where is my order?' });
    const response = await twilio.post(INBOUND, params);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await response.text()).toBe(EMPTY_TWIML);
    expect(sink.messages).toEqual([
      {
        kind: 'message',
        channel: 'sms',
        externalId: params.MessageSid,
        from: CUSTOMER,
        conversation: CUSTOMER,
        recipient: SMS_NUMBERS[0],
        text: 'Where is my order?',
        attachments: [],
      },
    ]);
  });

  it('answers only after the sink has committed the message', async () => {
    let release!: (result: IngestResult) => void;
    let entered!: () => void;
    const inSink = new Promise<void>((resolve) => (entered = resolve));
    const sink: Sink = {
      message: () => {
        entered();
        return new Promise((resolve) => (release = resolve));
      },
      status: async () => ({ updated: true }),
      edit: async () => ({ outcome: 'unknown' }),
      deletion: async () => ({ outcome: 'unknown' }),
      choice: async () => ({ outcome: 'unknown' }),
    };
    await serve(sink);
    let answered = false;
    const response = twilio.post(INBOUND, twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'hi' })).then((r) => {
      answered = true;
      return r;
    });
    await inSink;
    await sleep(50);
    expect(answered).toBe(false);
    release({ ticket: 1, message: 'm1', duplicate: false });
    expect((await response).status).toBe(200);
  });

  it('answers 500 when the sink fails, so Twilio delivers it again, and stores it on the retry', async () => {
    const sink = recordingSink();
    await serve(sink);
    const params = twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'hello?' });
    sink.fail();
    expect((await twilio.post(INBOUND, params)).status).toBe(500);
    expect(sink.messages).toEqual([]);
    expect(deps.logger.lines.some((l) => l.level === 'error')).toBe(true);

    sink.recover();
    expect((await twilio.post(INBOUND, params)).status).toBe(200);
    expect(sink.messages.map((m) => m.externalId)).toEqual([params.MessageSid]);
  });

  it('names a WhatsApp customer by their profile name', async () => {
    const sink = recordingSink();
    await serve(sink);
    const params = twilio.inboundWhatsApp({ from: CUSTOMER, to: WHATSAPP_NUMBER, body: 'Olá', profileName: 'João' });
    const response = await twilio.post(INBOUND, params);
    expect(response.status).toBe(200);
    expect(sink.messages[0]).toMatchObject({ channel: 'whatsapp', from: CUSTOMER, name: 'João', text: 'Olá' });
  });

  it('records STOP as an opt-out on the message', async () => {
    const sink = recordingSink();
    await serve(sink);
    await twilio.post(INBOUND, twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'Stop' }));
    expect(sink.messages[0]).toMatchObject({ text: 'Stop', consent: 'opt-out' });
  });

  it('downloads MMS media with the account credentials, without forwarding them past the redirect', async () => {
    const sink = recordingSink();
    await serve(sink);
    const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const media = [{ data: photo, contentType: 'image/jpeg' }];
    const params = twilio.inboundMms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'broken screen', media });
    expect((await twilio.post(INBOUND, params)).status).toBe(200);

    const [message] = sink.messages;
    expect(message!.attachments).toHaveLength(1);
    expect(message!.attachments[0]).toMatchObject({ contentType: 'image/jpeg', name: expect.stringMatching(/^ME[0-9a-f]{32}\.jpg$/) });
    expect([...message!.attachments[0]!.data]).toEqual([...photo]);
    expect(twilio.mediaFetches.map((f) => [f.status, f.authorized])).toEqual([
      [302, true],
      [200, false],
    ]);
  });

  it('stores the message with a note for the agent when a media file is gone', async () => {
    const sink = recordingSink();
    await serve(sink);
    const media = [{ data: new Uint8Array([1]), contentType: 'image/png' }];
    const params = twilio.inboundMms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'photo', media });
    params.MediaUrl0 = params.MediaUrl0!.replace(/ME[0-9a-f]{32}$/, 'ME' + '0'.repeat(32));
    expect((await twilio.post(INBOUND, params)).status).toBe(200);
    expect(sink.messages[0]!.attachments).toEqual([]);
    expect(sink.messages[0]!.text).toMatch(/^photo\n\[ME0{32}\.png \(image\/png\) could not be relayed: Twilio answered 404\]$/);
  });

  it('stores the message with a note, not a 500 Twilio would retry for ever, when a MediaUrl is not an http(s) link', async () => {
    // Found by the fuzzer: a signed webhook whose MediaUrl0 was no URL at all answered 500.
    const sink = recordingSink();
    await serve(sink);
    const params = twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'photo' });
    Object.assign(params, { NumMedia: '2', MediaUrl0: '\u{9AED3}not a url', MediaContentType0: 'image/png', MediaUrl1: 'file:///etc/passwd', MediaContentType1: 'text/plain' });
    expect((await twilio.post(INBOUND, params)).status).toBe(200);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.text).toBe('photo\n[attachment-1.png (image/png) could not be relayed: not an http(s) link]\n[attachment-2.plain (text/plain) could not be relayed: not an http(s) link]');
  });

  it('stores nothing and answers 200 for a WhatsApp message when only SMS is configured', async () => {
    const sink = recordingSink();
    const env = twilioEnv(twilio);
    delete (env as Record<string, string | undefined>).TWILIO_WHATSAPP_FROM;
    await serve(sink, env);
    const response = await twilio.post(INBOUND, twilio.inboundWhatsApp({ from: CUSTOMER, to: WHATSAPP_NUMBER, body: 'hi' }));
    expect(response.status).toBe(200);
    expect(sink.messages).toEqual([]);
  });

  it('stores nothing and answers 200 for a payload it does not handle', async () => {
    const sink = recordingSink();
    await serve(sink);
    const voice = { AccountSid: twilio.accountSid, CallSid: 'CA' + '0'.repeat(32), CallStatus: 'ringing', From: CUSTOMER, To: SMS_NUMBERS[0]! };
    expect((await twilio.post(INBOUND, voice)).status).toBe(200);
    expect(sink.messages).toEqual([]);
    expect(sink.statuses).toEqual([]);
  });
});

describe('refused webhooks', () => {
  it('refuses forged, unsigned and tampered webhooks with 403 and stores nothing', async () => {
    const sink = recordingSink();
    await serve(sink);
    const params = twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'pay me' });
    const attempts = [
      twilio.post(INBOUND, params, { signWith: 'f'.repeat(32) }),
      twilio.post(INBOUND, params, { signature: null }),
      twilio.post(INBOUND, { ...params, Body: 'pay me more' }, { signedParams: params }),
      twilio.post(STATUS, twilio.statusCallback({ sid: 'SM' + '1'.repeat(32), from: SMS_NUMBERS[0]!, to: CUSTOMER, status: 'delivered' }), {
        signature: 'AAAA',
      }),
    ];
    expect((await Promise.all(attempts)).map((r) => r.status)).toEqual([403, 403, 403, 403]);
    expect(sink.messages).toEqual([]);
    expect(sink.statuses).toEqual([]);
  });

  it('refuses a webhook signed for another path of ours', async () => {
    const sink = recordingSink();
    await serve(sink);
    const params = twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: 'hi' });
    const response = await twilio.post(INBOUND, params, { signature: twilio.sign(STATUS, params) });
    expect(response.status).toBe(403);
  });

  it('refuses an oversized body with 413 before reading it all', async () => {
    await serve(recordingSink());
    const response = await twilio.post(INBOUND, { Body: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
  });
});

describe('status callbacks', () => {
  it('reports sent then delivered for a reply, keyed by the SID the send returned', async () => {
    const sink = recordingSink();
    const [sms] = await serve(sink);
    const { externalId } = await sms!.send(reply(CUSTOMER, 'Fixed!'));
    await twilio.settle();

    expect(sink.statuses.map((s) => [s.externalId, s.state])).toEqual([
      [externalId, 'sent'],
      [externalId, 'delivered'],
    ]);
    expect(twilio.posted.filter((p) => p.url === STATUS).map((p) => [p.status, p.body])).toEqual([
      [200, ''],
      [200, ''],
    ]);
  });

  it('reports an undelivered reply with the carrier’s code and reason', async () => {
    const sink = recordingSink();
    const [sms] = await serve(sink);
    twilio.failDelivery(CUSTOMER, { status: 'undelivered', code: 30003 });
    await sms!.send(reply(CUSTOMER, 'Hello?'));
    await twilio.settle();
    expect(sink.statuses.at(-1)).toMatchObject({
      state: 'undelivered',
      error: { code: '30003', reason: expect.stringContaining('unreachable') },
    });
  });

  it('acknowledges and ignores a status named like a JavaScript property (__proto__, toString), not a 500 (found by fuzzing)', async () => {
    const sink = recordingSink();
    await serve(sink);
    for (const status of ['__proto__', 'toString', 'constructor']) {
      const params = { MessageSid: `SM${'1'.repeat(32)}`, MessageStatus: status, AccountSid: twilio.accountSid, From: SMS_NUMBERS[0]!, To: CUSTOMER };
      expect((await twilio.post(STATUS, params)).status).toBe(200);
    }
    expect(sink.statuses).toEqual([]);
  });

  it('reports WhatsApp statuses on the whatsapp channel', async () => {
    const sink = recordingSink();
    const [, whatsapp] = await serve(sink);
    await whatsapp!.send(reply(CUSTOMER, 'Olá'));
    await twilio.settle();
    expect(sink.statuses.map((s) => [s.channel, s.state])).toEqual([
      ['whatsapp', 'sent'],
      ['whatsapp', 'delivered'],
    ]);
  });
});

describe('media download limits', () => {
  it('skips a file over the size cap instead of reading it into memory', async () => {
    const url = twilio.addMedia({ data: new Uint8Array(2048), contentType: 'video/mp4' });
    const result = await downloadTwilioMedia([{ url, contentType: 'video/mp4' }], {
      fetch: globalThis.fetch,
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      apiUrl: twilio.url,
      maxBytes: 1024,
    });
    expect(result.attachments).toEqual([]);
    expect(result.skipped[0]).toMatch(/larger than/);
  });

  it('throws on a network failure so the webhook is retried, rather than dropping the file', async () => {
    const url = twilio.addMedia({ data: new Uint8Array(1), contentType: 'image/png' });
    const failing: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(
      downloadTwilioMedia([{ url, contentType: 'image/png' }], {
        fetch: failing,
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        apiUrl: twilio.url,
      }),
    ).rejects.toThrow(/fetch failed/);
  });

  it('never sends the credentials to a media URL outside the Twilio API', async () => {
    const seen: (string | null)[] = [];
    const spy: typeof fetch = async (_input, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return new Response(new Uint8Array([1]), { status: 200, headers: { 'content-type': 'image/png' } });
    };
    await downloadTwilioMedia([{ url: 'https://elsewhere.example.com/x.png', contentType: 'image/png' }], {
      fetch: spy,
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      apiUrl: twilio.url,
    });
    expect(seen).toEqual([null]);
  });
});
