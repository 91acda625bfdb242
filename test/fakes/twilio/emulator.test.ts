import twilioSdk from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTwilioEmulator, type TwilioEmulator, twilioSignature } from './index.ts';

const CUSTOMER = '+447700900123';
const OURS = '+15550000001';
let clock = Date.parse('2030-01-01T00:00:00Z');
let twilio: TwilioEmulator;

beforeEach(async () => {
  clock = Date.parse('2030-01-01T00:00:00Z');
  twilio = await startTwilioEmulator({ autoStatus: false, now: () => clock, senders: [OURS, '+15550000002', `whatsapp:${OURS}`] });
});
afterEach(() => twilio.close());

function create(params: Record<string, string>, auth = `${twilio.accountSid}:${twilio.authToken}`) {
  return fetch(`${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
}

describe('the emulated Messages resource', () => {
  it('answers 201 with a full queued Message resource and records what the customer gets', async () => {
    const response = await create({ To: CUSTOMER, From: OURS, Body: 'Hello there', StatusCallback: 'https://desk.example.com/cb' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { sid: string };
    expect(body).toMatchObject({
      account_sid: twilio.accountSid,
      api_version: '2010-04-01',
      body: 'Hello there',
      direction: 'outbound-api',
      error_code: null,
      from: OURS,
      num_media: '0',
      num_segments: '1',
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'queued',
      to: CUSTOMER,
      date_created: 'Tue, 01 Jan 2030 00:00:00 +0000',
      uri: expect.stringMatching(/^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\/SM[0-9a-f]{32}\.json$/),
    });
    expect(twilio.outbox(CUSTOMER)).toMatchObject([{ sid: body.sid, body: 'Hello there', statusCallback: 'https://desk.example.com/cb' }]);
  });

  it('refuses wrong credentials with 401 and Twilio’s error body (20003)', async () => {
    const response = await create({ To: CUSTOMER, From: OURS, Body: 'x' }, `${twilio.accountSid}:wrong`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it.each([
    [{ From: OURS, Body: 'x' }, 21604],
    [{ To: CUSTOMER, Body: 'x' }, 21603],
    [{ To: CUSTOMER, From: OURS }, 21602],
    [{ To: CUSTOMER, From: OURS, Body: 'x'.repeat(1601) }, 21617],
    [{ To: '12345', From: OURS, Body: 'x' }, 21211],
    [{ To: `whatsapp:${CUSTOMER}`, From: OURS, Body: 'x' }, 21910],
    [{ To: CUSTOMER, From: '+15559999999', Body: 'x' }, 21606],
    [{ To: `whatsapp:${CUSTOMER}`, From: 'whatsapp:+15559999999', Body: 'x' }, 63007],
    [{ To: CUSTOMER, From: OURS, Body: 'x', MediaUrl: 'ftp://files/x.png' }, 21620],
  ])('validates like Twilio: %o → 400 with code %i', async (params, code) => {
    const response = await create(params as Record<string, string>);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code, status: 400, more_info: `https://www.twilio.com/docs/errors/${code}` });
    expect(twilio.messages).toHaveLength(0);
  });

  it('limits each sender to its send rate with 429, code 20429 and Retry-After', async () => {
    expect((await create({ To: CUSTOMER, From: OURS, Body: '1' })).status).toBe(201);
    const limited = await create({ To: CUSTOMER, From: OURS, Body: '2' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toMatchObject({ code: 20429 });
    expect((await create({ To: CUSTOMER, From: '+15550000002', Body: 'other sender' })).status).toBe(201);
    clock += 1000;
    expect((await create({ To: CUSTOMER, From: OURS, Body: '3' })).status).toBe(201);
    expect(twilio.outbox(CUSTOMER).map((m) => m.body)).toEqual(['1', 'other sender', '3']);
  });

  it('fails the next calls, or every call for a while, as told', async () => {
    twilio.failNext(2, { status: 503 });
    expect((await create({ To: CUSTOMER, From: OURS, Body: 'a' })).status).toBe(503);
    expect((await create({ To: CUSTOMER, From: OURS, Body: 'a' })).status).toBe(503);
    expect((await create({ To: CUSTOMER, From: OURS, Body: 'a' })).status).toBe(201);
    twilio.failFor(5000, { status: 500 });
    clock += 4999;
    expect((await create({ To: CUSTOMER, From: OURS, Body: 'b' })).status).toBe(500);
    clock += 1;
    expect((await create({ To: CUSTOMER, From: OURS, Body: 'b' })).status).toBe(201);
  });

  it('is reachable by the real SDK pointed at it with a plain RequestClient subclass', async () => {
    class Local extends twilioSdk.RequestClient {
      override request<T>(opts: Parameters<twilioSdk.RequestClient['request']>[0]) {
        return super.request<T>({ ...opts, uri: opts.uri.replace('https://api.twilio.com', twilio.url) } as never);
      }
    }
    const client = twilioSdk(twilio.accountSid, twilio.authToken, { httpClient: new Local() });
    const message = await client.messages.create({ to: CUSTOMER, from: OURS, body: 'via SDK' });
    expect(message.sid).toBe(twilio.messages[0]!.sid);
    expect(message.status).toBe('queued');
    expect(message.dateCreated.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  it('lists messages most recent first, filtered by To and From, paged by the SDK through next_page_uri', async () => {
    class Local extends twilioSdk.RequestClient {
      override request<T>(opts: Parameters<twilioSdk.RequestClient['request']>[0]) {
        return super.request<T>({ ...opts, uri: opts.uri.replace('https://api.twilio.com', twilio.url) } as never);
      }
    }
    const client = twilioSdk(twilio.accountSid, twilio.authToken, { httpClient: new Local() });
    for (const body of ['one', 'two', 'three']) {
      expect((await create({ To: CUSTOMER, From: OURS, Body: body })).status).toBe(201);
      clock += 1000;
    }
    await create({ To: '+447700900999', From: OURS, Body: 'someone else' });
    await create({ To: CUSTOMER, From: '+15550000002', Body: 'another sender' });
    const listed = await client.messages.list({ to: CUSTOMER, from: OURS, pageSize: 2 });
    expect(listed.map((m) => m.body)).toEqual(['three', 'two', 'one']);
    const first = await fetch(`${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json?To=${encodeURIComponent(CUSTOMER)}&PageSize=2`, {
      headers: { authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}` },
    });
    const page = (await first.json()) as Record<string, unknown> & { messages: { body: string }[] };
    expect(page).toMatchObject({ page: 0, page_size: 2, start: 0, end: 1, previous_page_uri: null });
    expect(page.messages.map((m) => m.body)).toEqual(['another sender', 'three']);
    expect(page.next_page_uri).toMatch(/^\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\.json\?To=.*PageSize=2&Page=1&PageToken=PA(SM|MM)[0-9a-f]{32}$/);
    expect(page.uri).toMatch(/PageSize=2&Page=0$/);
  });

  it('leaves a message not yet sent out of a DateSent filter, as its date_sent is null until then', async () => {
    const emulator = await startTwilioEmulator({ now: () => clock, sendsPerSecond: 10, route: () => 'http://127.0.0.1:9/' });
    try {
      const auth = { authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}` };
      const post = (body: string, callback: boolean) =>
        fetch(`${emulator.url}/2010-04-01/Accounts/${emulator.accountSid}/Messages.json`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ To: CUSTOMER, From: OURS, Body: body, ...(callback ? { StatusCallback: 'https://desk.example.com/cb' } : {}) }),
        });
      await post('reported sent', true);
      await post('still queued', false);
      await emulator.settle();
      const list = async (query: string) => {
        const response = await fetch(`${emulator.url}/2010-04-01/Accounts/${emulator.accountSid}/Messages.json?${query}`, { headers: auth });
        return ((await response.json()) as { messages: { body: string; date_sent: string | null }[] }).messages;
      };
      expect((await list('')).map((m) => [m.body, m.date_sent])).toEqual([['still queued', null], ['reported sent', 'Tue, 01 Jan 2030 00:00:00 +0000']]);
      expect((await list('DateSent%3E=2030-01-01T00:00:00Z')).map((m) => m.body)).toEqual(['reported sent']);
      expect((await list('DateSent=2030-01-01')).map((m) => m.body)).toEqual(['reported sent']);
      expect(await list('DateSent%3C=2029-12-31')).toEqual([]);
    } finally {
      await emulator.close();
    }
  });

  it('can close the connection unanswered, after processing a create (the answer lost) or before (the request lost)', async () => {
    twilio.failNext(1, { drop: 'after' });
    await expect(create({ To: CUSTOMER, From: OURS, Body: 'lost answer' })).rejects.toThrow();
    expect(twilio.messages.map((m) => m.body)).toEqual(['lost answer']);
    expect(twilio.calls.at(-1)).toMatchObject({ status: 201, dropped: true });
    twilio.failNext(1, { drop: 'before' });
    await expect(create({ To: CUSTOMER, From: OURS, Body: 'lost request' })).rejects.toThrow();
    expect(twilio.messages.map((m) => m.body)).toEqual(['lost answer']);
  });
});

describe('emulated media', () => {
  it('requires the account credentials and redirects to a pre-signed CDN URL', async () => {
    const url = twilio.addMedia({ data: new Uint8Array([7, 8, 9]), contentType: 'image/gif' });
    expect((await fetch(url)).status).toBe(401);
    const auth = { authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}` };
    const redirect = await fetch(url, { headers: auth, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const cdn = redirect.headers.get('location')!;
    expect((await fetch(cdn, { headers: auth })).status).toBe(400);
    const file = await fetch(cdn);
    expect(file.headers.get('content-type')).toBe('image/gif');
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([7, 8, 9]);
    clock += 4 * 60 * 60 * 1000 + 1;
    expect((await fetch(cdn)).status).toBe(403);
  });
});

describe('emulated webhooks', () => {
  it('signs exactly as the Twilio SDK expects, for any parameters', () => {
    const url = 'https://desk.example.com/webhooks/twilio?x=1';
    const params = { Body: 'Ünïcode & spaces + plus = “quotes” 😀', From: CUSTOMER, To: OURS, a: '', Z: 'upper first' };
    expect(twilioSignature('secret-token', url, params)).toBe(twilioSdk.getExpectedTwilioSignature('secret-token', url, params));
  });

  it('matches the worked example in Twilio’s security documentation', () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('builds inbound WhatsApp parameters the way Twilio sends them', () => {
    const params = twilio.inboundWhatsApp({ from: CUSTOMER, to: OURS, body: 'hi', profileName: 'Ana' });
    expect(params).toMatchObject({
      From: `whatsapp:${CUSTOMER}`,
      To: `whatsapp:${OURS}`,
      WaId: CUSTOMER.slice(1),
      ProfileName: 'Ana',
      SmsStatus: 'received',
      NumMedia: '0',
      AccountSid: twilio.accountSid,
      MessageSid: params.SmsSid,
    });
  });
});
