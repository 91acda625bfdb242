/**
 * Secrets never reach the logs: one instance with every secret-bearing integration on, logging
 * at trace level into memory, runs each scenario that handles a secret (accepted and refused)
 * and the whole log is searched for every known secret value, as written and as sent on the
 * wire (Basic auth).
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { composeMail } from '../fakes/email/compose.ts';
import { startDovecot, type Dovecot } from '../fakes/email/dovecot.ts';
import { startSmtp, type SmtpFake } from '../fakes/email/smtp.ts';
import { startEventReceiver, type EventReceiver } from '../fakes/event-webhook/receiver.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../fakes/telegram/index.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../fakes/twilio/index.ts';
import { emailEnv, newMessageId, SUPPORT, ticketOfMail } from '../channels/email/helpers.ts';
import { newCustomer, telegramEnv, WEBHOOK_SECRET, webhookRegistered } from '../channels/telegram/helpers.ts';
import { PUBLIC_BASE_URL, routeTo, SMS_NUMBERS, twilioEnv } from '../channels/twilio/helpers.ts';
import { TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { ADA, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';

const EVENT_SECRET = 'event-secret-Zq81vKx0Pp3nW7';
const IMAP_PASSWORD = 'imap-pass-Jr5tY0uW2qL8';
const SMTP_PASSWORD = 'smtp-pass-Hc7mB4nV9xA1';

let log = '';
const sink = new Writable({
  write(chunk, _encoding, done) {
    log += String(chunk);
    done();
  },
});

let desk: SlackDesk;
let twilio: TwilioEmulator;
let telegram: TelegramEmulator;
let dovecot: Dovecot;
let smtp: SmtpFake;
let events: EventReceiver;
let scopedToken = '';

beforeAll(async () => {
  twilio = await startTwilioEmulator({ sendsPerSecond: 100, route: routeTo(() => desk.app.url) });
  telegram = await startTelegramEmulator({ route: (url) => url.replace(PUBLIC_BASE_URL, desk.app.url) });
  dovecot = await startDovecot({ password: IMAP_PASSWORD });
  smtp = await startSmtp({ password: SMTP_PASSWORD });
  events = await startEventReceiver();
  desk = await startSlackDesk({
    emulator: { rateLimits: false },
    env: {
      ...twilioEnv(twilio),
      ...telegramEnv(telegram),
      ...emailEnv(dovecot, smtp),
      EVENT_WEBHOOK_URL: events.url,
      EVENT_WEBHOOK_SECRET: EVENT_SECRET,
      SLACK_ADMINS: ADA,
      SLACK_POST_RATE: '20',
    },
    switchboard: { logger: createLogger('trace', sink) },
  });
  await webhookRegistered(telegram);
}, 90_000);
afterAll(async () => {
  await desk?.close();
  await Promise.all([twilio?.close(), telegram?.close(), smtp?.close(), dovecot?.stop(), events?.close()]);
});

async function agentReplies(number: number, text: string): Promise<void> {
  const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), text });
  expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
}

const ticketOf = async (channel: string, from: string) => {
  let number: number | undefined;
  await expect
    .poll(async () => {
      [{ number } = { number: undefined }] = await desk.app.db.sql<{ number: number }[]>`
        select t.number from tickets t join contacts c on c.id = t.contact_id join identities i on i.contact_id = c.id
        where t.channel = ${channel} and i.address = ${from} order by t.number desc limit 1`;
      return number;
    }, { timeout: 20_000 })
    .toBeDefined();
  return number!;
};

describe('secrets in the logs', () => {
  it('API inbound: the token accepted and a wrong one refused', async () => {
    expect((await desk.app.inbound({ id: 'secret-api-1', from: 'api-customer', text: 'hello' })).status).toBe(200);
    const wrong = await fetch(`${desk.app.url}/api/v1/inbound`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}x`, 'content-type': 'application/json' }, body: '{}' });
    expect(wrong.status).toBe(401);
  });

  it('Slack: signed commands and events, and a request with a bad signature', async () => {
    expect(await slashTicket(desk, 'list')).toBeTruthy();
    const forged = await fetch(desk.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-signature': `v0=${'0'.repeat(64)}`, 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)) }, body: '{"type":"event_callback"}' });
    expect(forged.status).toBe(401);
  });

  it('Twilio: a signed SMS, a forged one, and a reply sent with the auth token', async () => {
    const inbound = `${PUBLIC_BASE_URL}/webhooks/twilio`;
    const params = twilio.inboundSms({ from: '+447700900555', to: SMS_NUMBERS[0]!, body: 'my order?' });
    expect((await twilio.post(inbound, params)).status).toBe(200);
    const forged = twilio.inboundSms({ from: '+447700900556', to: SMS_NUMBERS[0]!, body: 'forged' });
    expect((await twilio.post(inbound, forged, { signWith: `${twilio.authToken}x` })).status).toBe(403);
    const number = await ticketOf('sms', '+447700900555');
    twilio.failNext(1, { status: 500 });
    await agentReplies(number, 'On its way');
    await expect.poll(() => twilio.outbox('+447700900555').length, { timeout: 20_000 }).toBeGreaterThan(0);
  });

  it('Telegram: an update with the webhook secret, one with a wrong secret, and replies through the Bot API', async () => {
    const ana = newCustomer();
    expect((await telegram.deliver(telegram.customerWrites({ from: ana, text: 'hi from telegram' }))).status).toBe(200);
    expect((await telegram.deliver(telegram.customerWrites({ from: ana, text: 'forged' }), { secret: `${WEBHOOK_SECRET}x` })).status).toBe(403);
    const number = await ticketOf('telegram', String(ana.id));
    telegram.failNext('sendMessage', 1, { code: 502 });
    await agentReplies(number, 'Hello Ana');
    await expect.poll(() => telegram.received(ana.id).length, { timeout: 20_000 }).toBeGreaterThan(0);
  });

  it('Email: mail read over IMAP and a reply sent over SMTP, both with passwords', async () => {
    const messageId = newMessageId('secrets');
    await dovecot.deliver(await composeMail({ from: 'mail-customer@customer.test', to: SUPPORT, subject: 'Help', text: 'Hello', messageId }));
    const number = await ticketOfMail(desk.app.db.sql, messageId);
    const before = smtp.received.length;
    await agentReplies(number, 'We are on it');
    await smtp.waitFor(before + 1, 20_000);
  });

  it('event webhook: events signed with the secret, one refused and retried', async () => {
    let refused = false;
    events.answer(() => (refused ? undefined : ((refused = true), 500)));
    await desk.write('events@example.com', 'an event or two');
    await events.waitFor((delivered) => delivered.some((e) => e.ticket?.number !== undefined), 20_000, 'an event delivered');
    expect(events.posts.every((p) => p.verifies(EVENT_SECRET))).toBe(true);
  });

  it('scoped tokens: made in Slack, used, refused for a scope, revoked', async () => {
    const answer = await slashTicket(desk, 'token new intake "secrets test"');
    scopedToken = /`(sbt_[\w-]+)`/.exec(answer)![1]!;
    const id = Number(/\(id (\d+)\)/.exec(answer)![1]);
    const post = () => fetch(`${desk.app.url}/api/v1/inbound`, { method: 'POST', headers: { authorization: `Bearer ${scopedToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: `scoped-${Date.now()}`, from: 'scoped', text: 'hi' }) });
    expect((await post()).status).toBe(200);
    expect((await fetch(`${desk.app.url}/api/v1/tickets/1`, { headers: { authorization: `Bearer ${scopedToken}` } })).status).toBe(403);
    await slashTicket(desk, `token revoke ${id}`);
    expect((await post()).status).toBe(401);
  });

  it('none of those secrets appears anywhere in the trace-level log', async () => {
    await new Promise((r) => setTimeout(r, 500)); // the last retries' lines
    const lines = log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; msg: string });
    // The log did see every scenario, at every level down to debug.
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.level === 'debug')).toBe(true);
    for (const channel of ['api', 'sms', 'telegram', 'email']) expect(log).toContain(`"channel":"${channel}"`);
    const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
    const secrets: Record<string, string> = {
      API_CHANNEL_TOKEN: TEST_API_TOKEN,
      'scoped API token': scopedToken,
      SLACK_SIGNING_SECRET: desk.slack.signingSecret,
      SLACK_BOT_TOKEN: desk.slack.botToken,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      'Twilio Basic auth': basic(twilio.accountSid, twilio.authToken),
      TELEGRAM_BOT_TOKEN: telegram.token,
      'TELEGRAM_BOT_TOKEN secret part': telegram.token.split(':')[1]!,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
      IMAP_PASSWORD,
      SMTP_PASSWORD,
      'SMTP AUTH PLAIN': Buffer.from(`\0${smtp.user}\0${SMTP_PASSWORD}`).toString('base64'),
      EVENT_WEBHOOK_SECRET: EVENT_SECRET,
    };
    expect(scopedToken).toMatch(/^sbt_/);
    const found = Object.entries(secrets).filter(([, value]) => log.includes(value)).map(([name]) => name);
    expect(found).toEqual([]);
  });
});
