import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { startTelegramEmulator, type TelegramEmulator } from '../../fakes/telegram/index.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import { ADA, blockText, startSlackDesk, TRIAGE, type SlackDesk } from '../../slack/helpers.ts';
import { SMS_NUMBERS, twilioEnv } from '../twilio/helpers.ts';
import { TELEGRAM_GREETING } from '../../../channels/telegram/index.ts';
import { idOf, newCustomer, PUBLIC_BASE_URL, telegramEnv, webhookRegistered } from './helpers.ts';

// Issue 14's Telegram acceptance as an agent sees it: telegraf against the Bot API emulator in
// webhook mode, Bolt against the Slack emulator, one running instance and a real Postgres.

let telegram: TelegramEmulator;
let twilio: TwilioEmulator;
let desk: SlackDesk;

beforeAll(async () => {
  const route = (url: string) => url.replace(PUBLIC_BASE_URL, desk.app.url);
  telegram = await startTelegramEmulator({ route });
  twilio = await startTwilioEmulator({ senders: SMS_NUMBERS, sendsPerSecond: 20, route });
  desk = await startSlackDesk({
    emulator: { rateLimits: false },
    env: { ...twilioEnv(twilio, { TWILIO_SEND_RATE: '20' }), ...telegramEnv(telegram), SLACK_POST_RATE: '20' },
  });
  await webhookRegistered(telegram);
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await telegram?.close();
  await twilio?.close();
});

const sql = () => desk.app.db.sql;
const rows = (externalId: string) =>
  sql()<{ number: number; slackTs: string | null; contactId: number; text: string }[]>`
    select t.number, m.slack_ts, t.contact_id, m.text from messages m join tickets t on t.id = m.ticket_id
    where m.channel = 'telegram' and m.external_id = ${externalId}`;
async function ticketOf(update: Update): Promise<number> {
  await expect.poll(async () => (await rows(idOf(update))).length, { timeout: 15_000 }).toBe(1);
  return (await rows(idOf(update)))[0]!.number;
}
async function agentReplies(number: number, text: string): Promise<void> {
  const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), text });
  expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
}
/** A new customer writes `text`; resolves once its ticket has a card, for an agent to answer. */
async function ticketWithCard(text: string) {
  const customer = newCustomer();
  const update = telegram.customerWrites({ from: customer, text });
  expect((await telegram.deliver(update)).status).toBe(200);
  const number = await ticketOf(update);
  await desk.cardTs(number);
  return { customer, number };
}
const threadTexts = async (number: number) => (await desk.thread(number)).map((m) => `${m.text ?? ''} ${blockText(m)}`);
const count = async () => Number((await sql()<{ n: number }[]>`select count(*)::int as n from messages`)[0]!.n);

describe('Telegram as agents see it in Slack (webhook mode)', () => {
  it('registers its webhook at start with the secret token and the updates it handles', () => {
    expect(telegram.webhook).toMatchObject({ url: `${PUBLIC_BASE_URL}/webhooks/telegram`, secret: 'telegram-webhook-secret-0123456789' });
    expect(telegram.webhook!.allowedUpdates).toEqual(['message', 'edited_message', 'callback_query']);
  });

  it('turns an update with the right secret into a ticket and a Slack card', async () => {
    const customer = newCustomer('Bea Costa');
    const update = telegram.customerWrites({ from: customer, text: 'My order #55 never arrived' });
    expect((await telegram.deliver(update)).status).toBe(200);
    const number = await ticketOf(update);
    const card = desk.slack.message(TRIAGE, await desk.cardTs(number));
    expect(blockText(card)).toContain(`#${number}`);
    expect(blockText(card)).toContain('My order #55 never arrived');
    const [ticket] = await sql()<{ conversation: string; kind: string; address: string }[]>`
      select t.conversation, i.kind, i.address from tickets t join identities i on i.contact_id = t.contact_id where t.number = ${number}`;
    expect(ticket).toEqual({ conversation: String(customer.id), kind: 'telegram', address: String(customer.id) });
  });

  it('refuses a wrong or missing secret and stores nothing', async () => {
    const before = await count();
    const update = telegram.customerWrites({ from: newCustomer(), text: 'forged' });
    expect((await telegram.deliver(update, { secret: 'guessed-secret' })).status).toBe(403);
    expect((await telegram.deliver(update, { secret: null })).status).toBe(401);
    expect(await count()).toBe(before);
    expect(await rows(idOf(update))).toEqual([]);
  });

  it('stores a repeated update once', async () => {
    const update = telegram.customerWrites({ from: newCustomer(), text: 'are you there?' });
    expect((await telegram.deliver(update)).status).toBe(200);
    expect((await telegram.deliver(update)).status).toBe(200);
    expect(await rows(idOf(update))).toHaveLength(1);
  });

  it("sends an agent's reply once when the first sendMessage gets 429 with retry_after, after waiting it out", async () => {
    const { customer, number } = await ticketWithCard('hello?');
    telegram.failNext('sendMessage', 1, { code: 429, retryAfter: 2 });
    await agentReplies(number, 'Hi, Ada here');
    await expect.poll(() => telegram.received(customer.id).map((m) => m.text), { timeout: 20_000 }).toEqual(['Hi, Ada here']);
    const attempts = telegram.calls.filter((c) => c.method === 'sendMessage' && c.chat === String(customer.id));
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_900);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(telegram.received(customer.id)).toHaveLength(1);
  });

  it('splits a reply over 4,096 characters into messages sent in order, each once', async () => {
    const { customer, number } = await ticketWithCard('tell me everything');
    const paragraphs = Array.from({ length: 3 }, (_, i) => `Part ${i + 1}: ${'x'.repeat(3_990)}`);
    // The second part meets a 429: the retry must not send the first part again.
    telegram.failNext('sendMessage', 1, { code: 429, retryAfter: 1 }, { after: 1 });
    await agentReplies(number, paragraphs.join('\n\n'));
    await expect.poll(() => telegram.received(customer.id).length, { timeout: 20_000 }).toBe(3);
    expect(telegram.received(customer.id).map((m) => m.text)).toEqual(paragraphs);
    const attempts = telegram.calls.filter((c) => c.method === 'sendMessage' && c.chat === String(customer.id));
    expect(attempts.map((c) => c.status)).toEqual([200, 429, 200, 200]);
    expect(telegram.limited).toBe(0); // paced below one a second in the chat: no 429 of its own making
  });

  it('puts a photo (its largest size) in the Slack thread as a file', async () => {
    const image = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]);
    const fileId = telegram.addFile(image, 'photo.jpg');
    const update = telegram.customerWrites({ from: newCustomer(), photo: fileId, caption: 'the damage' });
    await telegram.deliver(update);
    const number = await ticketOf(update);
    await expect.poll(async () => (await desk.thread(number)).flatMap((m) => m.files ?? []).length, { timeout: 15_000 }).toBe(1);
    const [post] = (await desk.thread(number)).filter((m) => m.files?.length);
    expect(Buffer.from(desk.slack.fileContent(post!.files![0]!.id)!)).toEqual(Buffer.from(image));
    expect(blockText(desk.slack.message(TRIAGE, await desk.cardTs(number)))).toContain('the damage');
  });

  it('sends a file an agent drops in the thread to the chat as a document', async () => {
    const { customer, number } = await ticketWithCard('can you send the invoice?');
    const { event } = desk.slack.userUploads({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), filename: 'invoice.pdf', content: '%PDF-1.4 invoice', text: 'Here it is' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    await expect.poll(() => telegram.received(customer.id).map((m) => m.method), { timeout: 20_000 }).toEqual(['sendMessage', 'sendDocument']);
    const [text, document] = telegram.received(customer.id);
    expect(text!.text).toBe('Here it is');
    expect(document!.file!.name).toBe('invoice.pdf');
    expect(Buffer.from(document!.file!.data).toString()).toBe('%PDF-1.4 invoice');
  });

  it('updates the thread post in place when the customer edits a message', async () => {
    const customer = newCustomer();
    const first = telegram.customerWrites({ from: customer, text: 'I need help' });
    await telegram.deliver(first);
    const number = await ticketOf(first);
    const second = telegram.customerWrites({ from: customer, text: 'Order 1234' });
    await telegram.deliver(second);
    expect(await ticketOf(second)).toBe(number);
    await expect.poll(async () => (await rows(idOf(second)))[0]!.slackTs, { timeout: 15_000 }).toBeTruthy();
    const postTs = (await rows(idOf(second)))[0]!.slackTs!;
    const edit = telegram.customerEdits(second.message, 'Order 1243');
    expect((await telegram.deliver(edit)).status).toBe(200);
    expect((await telegram.deliver(edit)).status).toBe(200); // Telegram retrying: one edit
    await expect.poll(() => desk.slack.message(TRIAGE, postTs)?.text ?? '', { timeout: 15_000 }).toContain('Order 1243');
    expect(desk.slack.message(TRIAGE, postTs)!.text).toContain('edited');
    const events = await sql()`select 1 from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'message-edited'`;
    expect(events).toHaveLength(1);
  });

  it('answers /start with a greeting and opens no ticket', async () => {
    const customer = newCustomer();
    const before = await count();
    const update = telegram.customerWrites({ from: customer, text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] });
    expect((await telegram.deliver(update)).status).toBe(200);
    expect(telegram.received(customer.id).map((m) => m.text)).toEqual([TELEGRAM_GREETING]);
    expect(TELEGRAM_GREETING).toMatch(/ticket number/);
    expect(await count()).toBe(before);
  });

  it('fails a reply to a user who blocked the bot with that reason in the thread, without retrying', async () => {
    const { customer, number } = await ticketWithCard('bye');
    telegram.block(customer.id);
    await agentReplies(number, 'Anything else?');
    await expect.poll(async () => (await threadTexts(number)).some((t) => /bot was blocked by the user/.test(t)), { timeout: 15_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(telegram.calls.filter((c) => c.method === 'sendMessage' && c.chat === String(customer.id))).toHaveLength(1);
    const [{ delivery }] = await sql()<{ delivery: string }[]>`select delivery from messages where text = 'Anything else?' and direction = 'outbound'`;
    expect(delivery).toBe('failed');
  });

  it('keeps the same person on Telegram and SMS as two contacts, whatever their names', async () => {
    const phone = '+15557654321';
    const sms = twilio.inboundSms({ from: phone, to: SMS_NUMBERS[0]!, body: 'Ana here, by SMS' });
    await twilio.post(`${PUBLIC_BASE_URL}/webhooks/twilio`, sms);
    const update = telegram.customerWrites({ from: newCustomer('Ana Lima'), text: 'Ana here, on Telegram' });
    await telegram.deliver(update);
    const byTelegram = await ticketOf(update);
    await expect.poll(async () => (await sql()`select 1 from messages where external_id = ${sms.MessageSid!}`).length, { timeout: 15_000 }).toBe(1);
    const contacts = await sql()<{ contactId: number; channel: string }[]>`
      select t.contact_id, m.channel from messages m join tickets t on t.id = m.ticket_id where m.external_id in (${sms.MessageSid!}, ${idOf(update)})`;
    expect(contacts).toHaveLength(2);
    expect(new Set(contacts.map((c) => c.contactId)).size).toBe(2);
    expect(byTelegram).toBeGreaterThan(0);
  });
});
