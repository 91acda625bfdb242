/**
 * The adapter on its own, without a database: the fake client, an in-memory state store and a
 * recording sink. What the desk tests cannot see well: pacing over all chats, groups when they
 * are on, and what each kind of message reads like.
 */
import { describe, expect, it } from 'vitest';
import { contactCardText, createWhatsAppWebModule } from '../../../channels/whatsapp-web/index.ts';
import type { OutboundMessage } from '../../../src/channels/contract.ts';
import { FakeWhatsApp } from '../../fakes/whatsapp-web/index.ts';
import { recordingSink, testDeps } from '../twilio/helpers.ts';
import { terminal, whatsappWebConfig } from './helpers.ts';

async function linked(options: Parameters<typeof whatsappWebConfig>[0] = {}) {
  const phone = new FakeWhatsApp('15550009999', { autoScan: true });
  const set = createWhatsAppWebModule(phone.factory('unit'), terminal()).create(await whatsappWebConfig(options), testDeps());
  const sink = recordingSink();
  const stop = new AbortController();
  if (set.inbound.kind !== 'connection') throw new Error('the linked device is a connection');
  const running = set.inbound.start(sink, stop.signal);
  await expect.poll(() => phone.ready, { timeout: 5_000 }).toBeTruthy();
  return { phone, channel: set.channels[0]!, sink, close: async () => (stop.abort(), await running) };
}

const reply = (id: string, conversation: string, text: string): OutboundMessage => ({ id, ticket: 1, to: conversation, conversation, text, attachments: [], references: [] });

describe('the linked device adapter', () => {
  it('spaces sends over all chats at WHATSAPP_WEB_SEND_RATE', async () => {
    const { phone, channel, close } = await linked({ sendRate: 4 });
    const started = Date.now();
    for (let i = 0; i < 4; i++) await channel.send(reply(`r-${i}`, `+1555040000${i}`, `hello ${i}`));
    const took = Date.now() - started;
    expect(phone.sent.map((s) => s.chatId)).toEqual(['15550400000@c.us', '15550400001@c.us', '15550400002@c.us', '15550400003@c.us']);
    expect(took).toBeGreaterThanOrEqual(3 * 250 - 20); // four sends, 250 ms apart
    await close();
  });

  it('declares the per-chat rate for the core to pace, and one pacing key per chat', async () => {
    const { channel, close } = await linked({ chatRate: 0.25 });
    expect(channel.limits.sendsPerSecond).toBe(0.25);
    expect(channel.sendsThroughConnection).toBe(true);
    expect(channel.pacingKey!({ to: '+1555', conversation: '+15550400000' })).toBe('+15550400000');
    await close();
  });

  it('takes group messages from their author when WHATSAPP_WEB_GROUPS is on, replying in the group', async () => {
    const { phone, sink, close } = await linked({ groups: true });
    phone.customerWrites({ from: '120363000000000009@g.us', author: '15550500001@c.us', name: 'Ines', body: 'the team has a question' });
    await expect.poll(() => sink.messages.length, { timeout: 5_000 }).toBe(1);
    expect(sink.messages[0]).toMatchObject({ from: '+15550500001', name: 'Ines', conversation: '120363000000000009@g.us', text: 'the team has a question' });
    await close();
  });

  it('fails a reply for a chat WhatsApp does not know, without retrying, and retries while the session is not ready', async () => {
    const { phone, channel, close } = await linked();
    await expect(channel.send(reply('bad', 'not-a-chat', 'x'))).rejects.toMatchObject({ retryable: false, code: 'invalid-chat' });
    phone.disconnect('NAVIGATION');
    await expect(channel.send(reply('later', '+15550400009', 'x'))).rejects.toMatchObject({ retryable: true, code: 'not-ready' });
    await close().catch(() => {});
  });

  it('forgets a stored session WhatsApp refuses, so the next start asks for a scan instead of failing again', async () => {
    const phone = new FakeWhatsApp('15550009999');
    const deps = testDeps();
    await deps.state.set('session:RemoteAuth-switchboard', { zip: Buffer.from('not a profile').toString('base64') });
    const set = createWhatsAppWebModule(phone.factory('unit'), terminal()).create(await whatsappWebConfig(), deps);
    if (set.inbound.kind !== 'connection') throw new Error('the linked device is a connection');
    await expect(set.inbound.start(recordingSink(), new AbortController().signal)).rejects.toThrow(/authentication failed/);
    expect(await deps.state.get('session:RemoteAuth-switchboard')).toBeUndefined();
    const stop = new AbortController();
    const again = set.inbound.start(recordingSink(), stop.signal);
    await expect.poll(() => phone.waiting, { timeout: 5_000 }).toBeTruthy();
    stop.abort();
    await again;
  });

  it('reads contact cards as a name and numbers', () => {
    expect(contactCardText('BEGIN:VCARD\r\nVERSION:3.0\r\nN:Weber;Lea\r\nFN:Lea Weber\r\nTEL;type=CELL;waid=4930123:+49 30 123\r\nTEL:+49 170 5\r\nEND:VCARD')).toBe('👤 Contact card: Lea Weber (+49 30 123, +49 170 5)');
  });
});
