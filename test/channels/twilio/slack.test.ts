import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../../src/shared/clock.ts';
import { CARD_ACTIONS } from '../../../src/slack/card.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import { ADA, blockText, startSlackDesk, TRIAGE, type SlackDesk } from '../../slack/helpers.ts';
import { PUBLIC_BASE_URL, SMS_NUMBERS, WHATSAPP_NUMBER, twilioEnv } from './helpers.ts';

// Issue 5's acceptance as an agent sees it: Twilio's real SDK against its emulator, Slack's
// real Bolt and WebClient against theirs, one running instance and a real Postgres between.

const INBOUND = `${PUBLIC_BASE_URL}/webhooks/twilio`;
const HOUR = 3_600_000;
const clock = manualClock(new Date('2026-11-23T10:00:00Z'));
let twilio: TwilioEmulator;
let desk: SlackDesk;

beforeAll(async () => {
  twilio = await startTwilioEmulator({
    senders: [...SMS_NUMBERS, `whatsapp:${WHATSAPP_NUMBER}`],
    sendsPerSecond: 20,
    route: (url) => url.replace(PUBLIC_BASE_URL, desk.app.url),
  });
  desk = await startSlackDesk({
    emulator: { rateLimits: false },
    env: { ...twilioEnv(twilio, { TWILIO_SEND_RATE: '20', TWILIO_WHATSAPP_TEMPLATE_SID: `HX${'b'.repeat(32)}` }), SLACK_POST_RATE: '20' },
    switchboard: { clock },
  });
});
afterAll(async () => {
  await desk?.close();
  await twilio?.close();
});

let n = 0;
const customer = () => `+1555${String(3_000_000 + ++n).padStart(7, '0')}`;

async function ticketOf(sid: string): Promise<number> {
  await expect.poll(async () => (await desk.app.db.sql`select 1 from messages where external_id = ${sid}`).length).toBe(1);
  const [row] = await desk.app.db.sql<{ number: number }[]>`
    select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${sid}`;
  return row!.number;
}

/** An agent writes in the card's thread, as Slack delivers it to us. */
async function agentReplies(number: number, text: string): Promise<void> {
  const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), text });
  expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
}

const threadTexts = async (number: number) => (await desk.thread(number)).map((m) => `${m.text ?? ''} ${blockText(m)}`);

describe('SMS and WhatsApp as agents see them in Slack', () => {
  it('posts a card in the triage channel for a signed SMS and a signed WhatsApp message', async () => {
    const from = customer();
    const sms = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'SMS: my parcel is late' });
    const whatsapp = twilio.inboundWhatsApp({ from, to: WHATSAPP_NUMBER, body: 'WhatsApp: hola', profileName: 'Ana' });
    await twilio.post(INBOUND, sms);
    await twilio.post(INBOUND, whatsapp);
    for (const [sid, words] of [[sms.MessageSid!, 'SMS: my parcel is late'], [whatsapp.MessageSid!, 'WhatsApp: hola']] as const) {
      const number = await ticketOf(sid);
      const card = desk.slack.message(TRIAGE, await desk.cardTs(number));
      expect(blockText(card)).toContain(`#${number}`);
      expect(blockText(card)).toContain(words);
    }
  });

  it('sends an agent\'s thread reply once by SMS, from the number the customer wrote to, through a 503', async () => {
    const from = customer();
    const sms = twilio.inboundSms({ from, to: SMS_NUMBERS[1]!, body: 'anyone?' });
    await twilio.post(INBOUND, sms);
    const number = await ticketOf(sms.MessageSid!);
    twilio.failNext(1, { status: 503 });
    await agentReplies(number, 'Yes, Ada here');
    await expect.poll(() => twilio.outbox(from).map((m) => [m.from, m.body]), { timeout: 15_000 }).toEqual([[SMS_NUMBERS[1], 'Yes, Ada here']]);
    await new Promise((r) => setTimeout(r, 500));
    expect(twilio.outbox(from)).toHaveLength(1);
  });

  it('shows a failed delivery\'s reason in the thread, in words', async () => {
    const from = customer();
    twilio.failDelivery(from, { status: 'failed', code: 21610 });
    const sms = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'hello' });
    await twilio.post(INBOUND, sms);
    const number = await ticketOf(sms.MessageSid!);
    await agentReplies(number, 'Hello back');
    await expect.poll(async () => (await threadTexts(number)).some((t) => /Not delivered: the customer has opted out \(replied STOP\)/.test(t)), { timeout: 15_000 }).toBe(true);
  });

  it('after STOP does not send a thread reply and says why; after START sends again', async () => {
    const from = customer();
    const hello = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'hi' });
    await twilio.post(INBOUND, hello);
    const number = await ticketOf(hello.MessageSid!);
    await twilio.post(INBOUND, twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'STOP', optOutType: 'STOP' }));
    await agentReplies(number, 'Did that help?');
    await expect.poll(async () => (await threadTexts(number)).some((t) => /Not delivered: the customer opted out \(STOP\)/.test(t)), { timeout: 15_000 }).toBe(true);
    expect(twilio.outbox(from)).toEqual([]);

    await twilio.post(INBOUND, twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'START', optOutType: 'START' }));
    await agentReplies(number, 'Welcome back');
    await expect.poll(() => twilio.outbox(from).map((m) => m.body), { timeout: 15_000 }).toEqual(['Welcome back']);
  });

  it('does not send a WhatsApp reply outside 24 hours, explains it in the thread, and sends the template at a click', async () => {
    const from = customer();
    const hello = twilio.inboundWhatsApp({ from, to: WHATSAPP_NUMBER, body: 'hello' });
    await twilio.post(INBOUND, hello);
    const number = await ticketOf(hello.MessageSid!);
    await desk.cardTs(number);
    clock.advance(25 * HOUR);
    try {
      await agentReplies(number, 'Sorry for the wait');
      await expect.poll(async () => (await threadTexts(number)).find((t) => /outside the 1d window/.test(t)), { timeout: 15_000 }).toMatch(/template/i);
      expect(twilio.outbox(from)).toEqual([]);
      const offer = (await desk.thread(number)).find((m) => blockText(m).includes(CARD_ACTIONS.sendTemplate))!;
      const click = desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts: offer.ts, actionId: CARD_ACTIONS.sendTemplate });
      expect((await desk.slack.http.interaction(desk.eventsUrl, click)).status).toBe(200);
      await expect.poll(() => twilio.outbox(from).map((m) => m.contentSid), { timeout: 15_000 }).toEqual([`HX${'b'.repeat(32)}`]);
      const [{ delivery }] = await desk.app.db.sql<{ delivery: string }[]>`
        select delivery from messages where text = 'Sorry for the wait' and direction = 'outbound' order by seq desc limit 1`;
      expect(delivery).toBe('failed');
    } finally {
      clock.advance(-25 * HOUR);
    }
  });

  it('puts an MMS image in the thread as a file', async () => {
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9, 8, 7, 6]);
    const mms = twilio.inboundMms({ from: customer(), to: SMS_NUMBERS[0]!, body: 'photo of the damage', media: [{ data: image, contentType: 'image/png' }] });
    await twilio.post(INBOUND, mms);
    const number = await ticketOf(mms.MessageSid!);
    await expect.poll(async () => (await desk.thread(number)).flatMap((m) => m.files ?? []).length, { timeout: 15_000 }).toBe(1);
    const [post] = (await desk.thread(number)).filter((m) => m.files?.length);
    expect(Buffer.from(desk.slack.fileContent(post!.files![0]!.id)!)).toEqual(Buffer.from(image));
  });
});
