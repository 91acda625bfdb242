import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitTelegramText, telegramModule } from '../../../channels/telegram/index.ts';
import { ChannelSendError, type Channel, type OutboundAttachment } from '../../../src/channels/contract.ts';
import { EnvReader } from '../../../src/shared/env.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../fakes/telegram/index.ts';
import { reply, testDeps } from '../twilio/helpers.ts';
import { newCustomer, telegramEnv } from './helpers.ts';

let telegram: TelegramEmulator;
let channel: Channel;

beforeAll(async () => {
  telegram = await startTelegramEmulator();
  const settings = telegramModule.settings(new EnvReader(telegramEnv(telegram, { polling: true })));
  if (!settings.enabled) throw new Error('telegram settings incomplete');
  channel = telegramModule.create(settings.config, testDeps()).channels[0]!;
});
afterAll(() => telegram?.close());

const file = (name: string, contentType: string, data: Uint8Array): OutboundAttachment => ({ name, contentType, size: data.length, read: async () => data });
const to = (chat: number) => reply(String(chat), '', { conversation: String(chat) });
const refusal = async (work: Promise<unknown>) => {
  try {
    await work;
  } catch (error) {
    return error as ChannelSendError;
  }
  throw new Error('the send did not fail');
};

describe('splitting long replies', () => {
  it('keeps short texts whole and cuts long ones at paragraph, line or word breaks, never inside an emoji', () => {
    expect(splitTelegramText('short')).toEqual(['short']);
    expect(splitTelegramText(`${'a'.repeat(3000)}\n\n${'b'.repeat(3000)}`)).toEqual(['a'.repeat(3000), 'b'.repeat(3000)]);
    expect(splitTelegramText(`${'a'.repeat(3000)} ${'b'.repeat(3000)}`)).toEqual(['a'.repeat(3000), 'b'.repeat(3000)]);
    const emoji = `${'x'.repeat(4095)}😀tail`;
    const parts = splitTelegramText(emoji);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
    expect(parts.join('')).toBe(emoji);
    expect(parts[1]!.startsWith('😀')).toBe(true);
  });
});

describe('sending through the Bot API', () => {
  it('accepts replies up to 32,000 characters (split by the adapter), one message a second per chat', () => {
    expect(channel.limits).toMatchObject({ maxTextLength: 32_000, sendsPerSecond: 1 });
    expect(channel.pacingKey?.({ to: '1', conversation: '-100555' })).toBe('-100555');
    expect(channel.sendsThroughConnection).toBeUndefined();
  });

  it('sends an image as a photo and other files as documents, uploaded multipart, after the text', async () => {
    const customer = newCustomer();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 9]);
    const result = await channel.send({ ...to(customer.id), text: 'Here you are', attachments: [file('shot.png', 'image/png', png), file('invoice.pdf', 'application/pdf', pdf)] });
    const received = telegram.received(customer.id);
    expect(received.map((m) => m.method)).toEqual(['sendMessage', 'sendPhoto', 'sendDocument']);
    expect(result.externalId).toBe(`${customer.id}:${received[0]!.message_id}`);
    expect(Buffer.from(received[1]!.file!.data)).toEqual(Buffer.from(png));
    expect(received[2]!.file).toMatchObject({ name: 'invoice.pdf' });
    expect(Buffer.from(received[2]!.file!.data)).toEqual(Buffer.from(pdf));
    expect(telegram.limited).toBe(0);
  });

  it('fails without retry, in words, when the user blocked the bot', async () => {
    const customer = newCustomer();
    telegram.block(customer.id);
    const error = await refusal(channel.send({ ...to(customer.id), text: 'hello' }));
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ message: 'bot was blocked by the user', retryable: false, code: '403' });
  });

  it('reports a 429 as rate limited with retry_after in milliseconds', async () => {
    const customer = newCustomer();
    telegram.failNext('sendMessage', 1, { code: 429, retryAfter: 7 });
    const error = await refusal(channel.send({ ...to(customer.id), text: 'hello' }));
    expect(error).toMatchObject({ rateLimited: true, retryable: true, retryAfterMs: 7_000 });
    expect(telegram.received(customer.id)).toEqual([]);
  });

  it('retries server errors, not bad requests', async () => {
    const customer = newCustomer();
    telegram.failNext('sendMessage', 1, { code: 502 });
    expect(await refusal(channel.send({ ...to(customer.id), text: 'a' }))).toMatchObject({ retryable: true, rateLimited: false });
    telegram.failNext('sendMessage', 1, { code: 400, description: 'Bad Request: chat not found' });
    expect(await refusal(channel.send({ ...to(customer.id), text: 'b' }))).toMatchObject({ retryable: false, message: 'chat not found' });
  });
});
