import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../fakes/twilio/index.ts';
import { twilioEnv } from '../channels/twilio/helpers.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});

let app: TestSwitchboard;
let twilio: TwilioEmulator;
beforeAll(async () => {
  twilio = await startTwilioEmulator();
  app = await startTestSwitchboard({ logger: createLogger('debug', sink), env: twilioEnv(twilio) });
});
afterAll(async () => {
  await app?.close();
  await twilio?.close();
});

describe('logs', () => {
  it('are JSON lines carrying the request id and the ticket number', async () => {
    const response = await fetch(`${app.url}/api/v1/inbound`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json', 'x-request-id': 'req-logs-1' },
      body: JSON.stringify({ id: 'log-1', from: 'logger', text: 'hi' }),
    });
    const { ticket } = (await response.json()) as { ticket: number };
    expect(response.headers.get('x-request-id')).toBe('req-logs-1');
    const stored = lines.find((l) => l.msg === 'message stored');
    expect(stored).toMatchObject({ requestId: 'req-logs-1', ticket, channel: 'api', level: 'info' });
  });

  it('say at start-up which channels are on, and what each one that is off is missing', () => {
    const said = lines.map((l) => l.msg);
    expect(said).toContain('channel api: on');
    expect(said).toContain('channel sms: on');
    expect(said).toContain('channel whatsapp: on');
  });

  it('never contain a token or secret, even from a request carrying one', async () => {
    await fetch(`${app.url}/api/v1/inbound`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}x` }, body: '{}' });
    await fetch(`${app.url}/api/v1/tickets/1`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
    const text = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of [TEST_API_TOKEN, twilio.authToken, new URL(app.db.url).password].filter(Boolean)) expect(text).not.toContain(secret);
  });
});
