/**
 * Issue 16's linked-device acceptance as agents see it: the real whatsapp-web module driven by
 * the fake whatsapp-web.js client, Bolt against the Slack emulator, Twilio's emulator for the
 * same person by SMS, one Switchboard on a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeWhatsApp } from '../../fakes/whatsapp-web/index.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import { ADA, blockText, ESCALATIONS, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../../slack/helpers.ts';
import { PUBLIC_BASE_URL, SMS_NUMBERS, twilioEnv } from '../twilio/helpers.ts';
import { terminal, whatsappWebModule } from './helpers.ts';

let phone: FakeWhatsApp;
let twilio: TwilioEmulator;
let desk: SlackDesk;
const screen = terminal();

beforeAll(async () => {
  phone = new FakeWhatsApp('15550009999');
  twilio = await startTwilioEmulator({ senders: SMS_NUMBERS, sendsPerSecond: 20, route: (url) => url.replace(PUBLIC_BASE_URL, desk.app.url) });
  desk = await startSlackDesk({
    emulator: { rateLimits: false },
    env: { ...twilioEnv(twilio, { TWILIO_SEND_RATE: '20' }), SLACK_POST_RATE: '20' },
    switchboard: { instance: 'desk-a', extraChannelModules: [await whatsappWebModule(phone, 'desk-a', { terminal: screen })] },
  });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await twilio?.close();
});

const sql = () => desk.app.db.sql;
const connection = async () => (await sql()<{ state: string; detail: string | null }[]>`select state, detail from channel_connections where module = 'whatsapp-web'`)[0];
const rows = (id: string) =>
  sql()<{ number: number; contactId: number; text: string; kind: string; address: string }[]>`
    select t.number, t.contact_id, m.text, i.kind, i.address from messages m join tickets t on t.id = m.ticket_id join identities i on i.id = t.identity_id
    where m.channel = 'whatsapp-web' and m.external_id = ${id}`;
async function ticketOf(id: string): Promise<number> {
  await expect.poll(async () => (await rows(id)).length, { timeout: 15_000 }).toBe(1);
  return (await rows(id))[0]!.number;
}
const threadText = async (number: number) => (await desk.thread(number)).map((m) => `${m.text ?? ''} ${blockText(m)}`).join('\n');
const count = async () => (await sql()<{ n: number }[]>`select count(*)::int as n from messages`)[0]!.n;
const qrPosts = () => desk.slack.messages(ESCALATIONS).filter((m) => /whatsapp-web needs attention: scan the QR code|whatsapp-web is back: linked/.test(m.text ?? ''));
const imageOf = (message: { blocks?: unknown[] }) => (message.blocks as { type: string; slack_file?: { id: string } }[] | undefined)?.find((b) => b.type === 'image')?.slack_file?.id;
let customers = 0;
const newNumber = () => `+1555010${String(++customers).padStart(4, '0')}`;

describe('WhatsApp through a linked device', () => {
  it('asks for a login: the QR code in the terminal and in the escalation channel', async () => {
    await expect.poll(() => phone.qrCount, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => screen.text(), { timeout: 5_000 }).toContain('scan this QR code');
    expect(screen.text()).toMatch(/[▄▀█]{10,}/); // the code itself, drawn in blocks
    await expect.poll(async () => (await connection())?.state, { timeout: 10_000 }).toBe('login-required');
    await expect.poll(() => qrPosts().length, { timeout: 15_000 }).toBe(1);
    const [post] = qrPosts();
    const first = imageOf(post!);
    expect(first).toBeTruthy();
    // WhatsApp rotates the code: the same post shows the new one.
    phone.rotateQr();
    await expect.poll(() => imageOf(desk.slack.message(ESCALATIONS, post!.ts)!), { timeout: 15_000 }).not.toBe(first);
    await expect.poll(() => screen.text().split('scan this QR code').length - 1, { timeout: 5_000 }).toBe(2);
    expect(qrPosts()).toHaveLength(1);
  });

  it('is on in /ticket channels once the phone has scanned, linked as its number, and the QR post says so', async () => {
    const [post] = qrPosts();
    await phone.scan();
    await expect.poll(() => desk.slack.message(ESCALATIONS, post!.ts)?.text, { timeout: 15_000 }).toBe(':white_check_mark: whatsapp-web is back: linked as +15550009999');
    expect(imageOf(desk.slack.message(ESCALATIONS, post!.ts)!)).toBeUndefined();
    await expect.poll(async () => (await connection())?.state, { timeout: 10_000 }).toBe('connected');
    expect((await connection())!.detail).toBe('linked as +15550009999');
    const line = (await slashTicket(desk, 'channels')).split('\n').find((l) => l.includes('*whatsapp-web*'));
    expect(line).toMatch(/^• :large_green_circle: \*whatsapp-web\* · connection · connected \(linked as \+15550009999\) since .* · held by `desk-a`/);
    // The session is in Postgres now, for the next start or the other instance.
    const [session] = await sql()<{ key: string }[]>`select key from channel_state where module = 'whatsapp-web' and key like 'session:%'`;
    expect(session?.key).toBe('session:RemoteAuth-switchboard');
  });

  it('turns a message into a ticket and a card, and stores a repeated message id once', async () => {
    const from = newNumber();
    const message = phone.customerWrites({ from, name: 'Rosa', body: 'Is my table ready?' });
    const number = await ticketOf(message.id._serialized);
    const card = blockText(desk.slack.message(TRIAGE, await desk.cardTs(number)));
    expect(card).toContain('WhatsApp (linked device)');
    expect(card).toContain('Rosa');
    expect(card).toContain('Is my table ready?');
    expect((await rows(message.id._serialized))[0]).toMatchObject({ kind: 'phone', address: from });
    const before = await count();
    phone.redeliver(message);
    const marker = phone.customerWrites({ from, body: 'marker' });
    await ticketOf(marker.id._serialized);
    expect(await count()).toBe(before + 1);
    expect(await rows(message.id._serialized)).toHaveLength(1);
  });

  it('joins the contact a number already has through Twilio SMS', async () => {
    const from = newNumber();
    const sms = twilio.inboundSms({ from, to: SMS_NUMBERS[0]!, body: 'hello by SMS' });
    expect((await twilio.post(`${PUBLIC_BASE_URL}/webhooks/twilio`, sms)).status).toBe(200);
    const [bySms] = await sql()<{ contactId: number }[]>`select t.contact_id from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${sms.MessageSid!}`;
    const message = phone.customerWrites({ from, body: 'and now on WhatsApp' });
    await ticketOf(message.id._serialized);
    expect((await rows(message.id._serialized))[0]!.contactId).toBe(bySms!.contactId);
  });

  it('puts media, a voice note, a location and a contact card in the thread', async () => {
    const from = newNumber();
    const first = phone.customerWrites({ from, body: 'Look at this' });
    const number = await ticketOf(first.id._serialized);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 8, 7]);
    phone.customerWrites({ from, body: 'the stain', media: { mimetype: 'image/jpeg', data: jpeg } });
    phone.customerWrites({ from, media: { mimetype: 'audio/ogg; codecs=opus', data: Buffer.from('OggS-voice') } });
    phone.customerWrites({ from, type: 'location', location: { latitude: 52.52, longitude: 13.405, name: 'Our shop' } });
    const card = phone.customerWrites({ from, type: 'vcard', vCards: ['BEGIN:VCARD\nVERSION:3.0\nFN:Lea Weber\nTEL;type=CELL:+49 30 1234567\nEND:VCARD'] });
    await ticketOf(card.id._serialized);
    await expect.poll(() => threadText(number), { timeout: 15_000 }).toContain('Contact card');
    const files = (await desk.thread(number)).flatMap((m) => m.files ?? []);
    expect(Buffer.from(desk.slack.fileContent(files[0]!.id)!).equals(jpeg)).toBe(true);
    expect(files[1]!.name).toMatch(/^voice-note-\d+\.ogg$/);
    const text = await threadText(number);
    expect(text).toContain('the stain');
    expect(text).toContain('voice note');
    expect(text).toContain('Our shop: https://www.google.com/maps/search/?api=1&amp;query=52.52,13.405');
    expect(text).toContain('Contact card: Lea Weber (+49 30 1234567)');
  });

  it("sends an agent's reply once to the customer's chat, and shows delivered and read", async () => {
    const from = newNumber();
    const message = phone.customerWrites({ from, body: 'When do you open?' });
    const number = await ticketOf(message.id._serialized);
    const { message: post, event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), text: 'At nine' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    const chat = `${from.slice(1)}@c.us`;
    await expect.poll(() => phone.sent.filter((s) => s.chatId === chat).length, { timeout: 15_000 }).toBe(1);
    const [sent] = phone.sent.filter((s) => s.chatId === chat);
    expect(sent).toMatchObject({ instance: 'desk-a', content: 'At nine' });
    const delivery = async () => (await sql()<{ delivery: string }[]>`select delivery from messages where external_id = ${sent!.id}`)[0]?.delivery;
    await expect.poll(delivery, { timeout: 10_000 }).toBe('sent');
    phone.ack(sent!.id, 2);
    await expect.poll(delivery, { timeout: 10_000 }).toBe('delivered');
    phone.ack(sent!.id, 3);
    await expect.poll(delivery, { timeout: 10_000 }).toBe('read');
    await expect.poll(() => desk.slack.message(TRIAGE, post.ts)?.reactions?.map((r) => r.name), { timeout: 10_000 }).toEqual(['white_check_mark', 'envelope_with_arrow', 'eyes']);
    await new Promise((r) => setTimeout(r, 500));
    expect(phone.sent.filter((s) => s.chatId === chat)).toHaveLength(1);
  });

  it('sends a file an agent drops in the thread as media, with the text as its caption', async () => {
    const from = newNumber();
    const number = await ticketOf(phone.customerWrites({ from, body: 'Send me the menu' }).id._serialized);
    const { event } = desk.slack.userUploads({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), filename: 'menu.pdf', content: '%PDF-1.4 menu', text: 'Here you go' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    const chat = `${from.slice(1)}@c.us`;
    await expect.poll(() => phone.sent.filter((s) => s.chatId === chat).length, { timeout: 15_000 }).toBe(1);
    const [sent] = phone.sent.filter((s) => s.chatId === chat);
    expect(sent!.options).toEqual({ caption: 'Here you go' });
    expect(sent!.content).toMatchObject({ mimetype: 'application/pdf', filename: 'menu.pdf', data: Buffer.from('%PDF-1.4 menu').toString('base64') });
  });

  it('updates the thread when the customer edits a message or deletes it for everyone', async () => {
    const from = newNumber();
    const number = await ticketOf(phone.customerWrites({ from, body: 'Table for two' }).id._serialized);
    const second = phone.customerWrites({ from, body: 'at 7pm' });
    await ticketOf(second.id._serialized);
    const ts = async () => (await sql()<{ slackTs: string | null }[]>`select slack_ts from messages where external_id = ${second.id._serialized}`)[0]?.slackTs;
    await expect.poll(ts, { timeout: 15_000 }).toBeTruthy();
    phone.edit(second, 'at 8pm');
    await expect.poll(async () => desk.slack.message(TRIAGE, (await ts())!)?.text ?? '', { timeout: 15_000 }).toContain('at 8pm');
    phone.revoke(second);
    await expect.poll(async () => desk.slack.message(TRIAGE, (await ts())!)?.text ?? '', { timeout: 15_000 }).toContain('deleted');
    expect(number).toBeGreaterThan(0);
  });

  it("resolves a privacy id to the number where WhatsApp allows, and otherwise keeps the id and says so on the card", async () => {
    const known = newNumber();
    phone.lids.set('987650001@lid', `${known.slice(1)}@c.us`);
    const resolved = phone.customerWrites({ from: '987650001@lid', body: 'hi from a lid' });
    await ticketOf(resolved.id._serialized);
    expect((await rows(resolved.id._serialized))[0]).toMatchObject({ kind: 'phone', address: known });
    const hidden = phone.customerWrites({ from: '987650002@lid', body: 'my number is hidden' });
    const number = await ticketOf(hidden.id._serialized);
    expect((await rows(hidden.id._serialized))[0]).toMatchObject({ kind: 'whatsapp-lid', address: '987650002' });
    expect(blockText(desk.slack.message(TRIAGE, await desk.cardTs(number)))).toContain('WhatsApp privacy id 987650002 (number not shared)');
  });

  it('ignores status broadcasts, groups and our own messages', async () => {
    const before = await count();
    phone.customerWrites({ from: 'status@broadcast', body: 'my status', isStatus: true });
    phone.customerWrites({ from: '120363000000000001@g.us', author: `${newNumber().slice(1)}@c.us`, body: 'group chatter' });
    phone.customerWrites({ from: newNumber(), body: 'sent from the phone itself', fromMe: true });
    const marker = phone.customerWrites({ from: newNumber(), body: 'marker' });
    await ticketOf(marker.id._serialized);
    expect(await count()).toBe(before + 1);
  });

  it('announces a disconnect in Slack and reconnects from the stored session, without a QR', async () => {
    const qrs = phone.qrCount;
    phone.disconnect('NAVIGATION');
    await expect.poll(async () => (await connection())?.state, { timeout: 10_000 }).not.toBe('connected');
    await expect.poll(async () => (await connection())?.state, { timeout: 20_000 }).toBe('connected');
    expect(phone.qrCount).toBe(qrs);
    const from = newNumber();
    await ticketOf(phone.customerWrites({ from, body: 'still there?' }).id._serialized);
    // Told at once, and told again in its thread when it is back.
    const announced = () => desk.slack.messages(ESCALATIONS).find((m) => /whatsapp-web needs attention: its connection dropped and it is reconnecting — WhatsApp disconnected \(NAVIGATION\)/.test(m.text ?? ''));
    await expect.poll(() => announced()?.ts, { timeout: 15_000 }).toBeTruthy();
    await expect.poll(() => desk.slack.thread(ESCALATIONS, announced()!.ts).slice(1).map((m) => m.text), { timeout: 15_000 }).toEqual([':white_check_mark: whatsapp-web is back: connected']);
  });

  it('announces in Slack when the phone unlinks the device, and asks for a new scan', async () => {
    const qrs = phone.qrCount;
    phone.disconnect('LOGOUT');
    await expect.poll(() => desk.slack.messages(ESCALATIONS).some((m) => /whatsapp-web needs attention: its session was lost/.test(`${m.text} ${blockText(m)}`)), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => phone.qrCount, { timeout: 20_000 }).toBe(qrs + 1);
    const [session] = await sql()`select 1 from channel_state where module = 'whatsapp-web' and key like 'session:%'`;
    expect(session).toBeUndefined();
  });
});
