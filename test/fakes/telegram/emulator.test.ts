import { Telegram, TelegramError } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegramEmulator, type TelegramEmulator } from './index.ts';

// The emulator through telegraf's own client, as the adapter uses it.
let emulator: TelegramEmulator;
let client: Telegram;
const customer = { id: 31337, first_name: 'Eve' };

beforeAll(async () => {
  emulator = await startTelegramEmulator();
  client = new Telegram(emulator.token, { apiRoot: emulator.url });
});
afterAll(() => emulator?.close());

describe('the Telegram Bot API emulator', () => {
  it('answers getMe with the bot the token names', async () => {
    expect(await client.getMe()).toMatchObject({ id: Number(emulator.token.split(':')[0]), is_bot: true, username: emulator.bot.username });
  });

  it('keeps updates until an offset above them confirms them, and long-polls for new ones', async () => {
    const first = emulator.customerWrites({ from: customer, text: 'one' });
    expect((await client.getUpdates(0, 100, 0, undefined)).map((u) => u.update_id)).toEqual([first.update_id]);
    expect((await client.getUpdates(0, 100, 0, undefined)).map((u) => u.update_id)).toEqual([first.update_id]);
    const waiting = client.getUpdates(5, 100, first.update_id + 1, undefined);
    await new Promise((r) => setTimeout(r, 100));
    const second = emulator.customerWrites({ from: customer, text: 'two' });
    expect((await waiting).map((u) => u.update_id)).toEqual([second.update_id]);
    expect(emulator.pending.map((u) => u.update_id)).toEqual([second.update_id]);
  });

  it('refuses getUpdates while a webhook is set, and ends a poll another poll supersedes', async () => {
    await client.setWebhook('https://desk.example.com/webhooks/telegram', { secret_token: 'abc' });
    await expect(client.getUpdates(0, 100, 0, undefined)).rejects.toMatchObject({ code: 409 });
    await client.deleteWebhook();
    const first = client.getUpdates(5, 100, 1_000_000, undefined);
    await new Promise((r) => setTimeout(r, 100));
    const second = client.getUpdates(0, 100, 1_000_000, undefined);
    await expect(first).rejects.toBeInstanceOf(TelegramError);
    expect(await second).toEqual([]);
  });

  it('enforces one message a second per chat with 429 and retry_after, and records what the chat received', async () => {
    await client.sendMessage(customer.id, 'first');
    const error = await client.sendMessage(customer.id, 'too soon').catch((e: TelegramError) => e);
    expect(error).toMatchObject({ code: 429, parameters: { retry_after: 1 } });
    await client.sendMessage(customer.id + 1, 'another chat is not held back');
    expect(emulator.received(customer.id).map((m) => m.text)).toEqual(['first']);
  });

  it('serves a file by getFile path under /file/bot<token>/', async () => {
    const fileId = emulator.addFile(new Uint8Array([1, 2, 3]), 'a.bin');
    const link = await client.getFileLink(fileId);
    expect(new Uint8Array(await (await fetch(link)).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });
});
