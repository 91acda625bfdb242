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

  it('shows an inline keyboard, turns a press into a callback_query, takes one answer for it, and takes the keyboard off', async () => {
    const chat = customer.id + 10;
    await client.sendMessage(chat, 'Rate us', { reply_markup: { inline_keyboard: [[{ text: 'Good', callback_data: 'good' }]] } });
    const [message] = emulator.received(chat);
    const press = emulator.customerPresses(message!, 'Good', { id: chat, first_name: 'Eve' }) as { callback_query: { id: string; data: string; message: { message_id: number } } };
    expect(press.callback_query).toMatchObject({ data: 'good', message: { message_id: message!.message_id } });
    expect(() => emulator.customerPresses(message!, 'Bad', { id: chat, first_name: 'Eve' })).toThrow(/no button labelled Bad/);
    expect(await client.answerCbQuery(press.callback_query.id, 'Thanks')).toBe(true);
    await expect(client.answerCbQuery(press.callback_query.id)).rejects.toMatchObject({ code: 400 });
    expect(emulator.callbackAnswers).toContainEqual({ queryId: press.callback_query.id, text: 'Thanks', showAlert: false });
    await client.editMessageReplyMarkup(chat, message!.message_id, undefined, { inline_keyboard: [] });
    expect(message!.replyMarkup).toBeUndefined();
    await expect(client.editMessageReplyMarkup(chat, message!.message_id, undefined, { inline_keyboard: [] })).rejects.toMatchObject({ code: 400 });
  });

  it('refuses a button whose callback_data is over 64 bytes', async () => {
    const error = await client.sendMessage(customer.id + 11, 'x', { reply_markup: { inline_keyboard: [[{ text: 'x', callback_data: 'x'.repeat(65) }]] } }).catch((e: TelegramError) => e);
    expect(error).toMatchObject({ code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
  });
});
