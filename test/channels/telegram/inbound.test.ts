import { describe, expect, it } from 'vitest';
import type { Message, Update } from 'telegraf/types';
import { parseTelegramUpdate, verifyTelegramSecret } from '../../../channels/telegram/index.ts';
import { ChannelAuthError } from '../../../src/channels/contract.ts';
import { messageOf, type MessageInput } from '../../fakes/telegram/updates.ts';

const BOT = { id: 4242, username: 'desk_bot' };
const ana = { id: 1001, first_name: 'Ana', last_name: 'Lima' };
const group = { id: -100777, type: 'supergroup' as const, title: 'Customers' };
let ids = 0;
const update = (input: MessageInput, sizes: Record<string, number> = {}): Update => ({ update_id: ++ids, message: messageOf(input, ids, (id) => sizes[id] ?? 100) }) as Update;
const parse = (u: Update, groups = false) => parseTelegramUpdate(u, { bot: BOT, groups });

describe('parsing Telegram updates', () => {
  it('makes a private message a customer message: the chat is the conversation, chat:message the id', () => {
    const event = parse(update({ from: ana, text: 'hello', date: 1_800_000_000 }));
    expect(event).toMatchObject({
      kind: 'message',
      files: [],
      message: { channel: 'telegram', from: '1001', name: 'Ana Lima', conversation: '1001', text: 'hello', externalId: `1001:${ids}`, receivedAt: new Date(1_800_000_000_000) },
    });
  });

  it('lists the largest photo size, documents, voice notes and video as files', () => {
    const event = parse(update({ from: ana, photo: 'p1', caption: 'look', document: { fileId: 'd1', name: 'invoice.pdf', mimeType: 'application/pdf' }, voice: { fileId: 'v1' }, video: { fileId: 'm1' } }, { p1: 50_000 }));
    expect(event.kind).toBe('message');
    if (event.kind !== 'message') return;
    expect(event.message.text).toBe('look');
    expect(event.files.map((f) => [f.fileId, f.name, f.contentType])).toEqual([
      ['p1', `photo-${ids}.jpg`, 'image/jpeg'],
      ['d1', 'invoice.pdf', 'application/pdf'],
      ['v1', `voice-${ids}.ogg`, 'audio/ogg'],
      ['m1', `video-${ids}.mp4`, 'video/mp4'],
    ]);
  });

  it('shows a sticker as text', () => {
    const event = parse(update({ from: ana, sticker: { fileId: 's1', emoji: '😀' } }));
    expect(event).toMatchObject({ kind: 'message', files: [], message: { text: '[sticker 😀]' } });
  });

  it('recognises /start in a private chat', () => {
    expect(parse(update({ from: ana, text: '/start' }))).toEqual({ kind: 'start', chat: '1001' });
    expect(parse(update({ from: ana, text: '/start@desk_bot campaign' }))).toEqual({ kind: 'start', chat: '1001' });
  });

  it('ignores our own messages and other bots', () => {
    expect(parse(update({ from: { id: BOT.id, first_name: 'Desk', is_bot: true }, text: 'echo' })).kind).toBe('unsupported');
    expect(parse(update({ from: { id: 9, first_name: 'OtherBot', is_bot: true }, text: 'spam' })).kind).toBe('unsupported');
  });

  it('ignores groups unless configured, and then takes only mentions of the bot and replies to it', () => {
    const plain = update({ from: ana, chat: group, text: 'chatting among ourselves' });
    const mention = update({ from: ana, chat: group, text: '@desk_bot my card was charged twice', entities: [{ type: 'mention', offset: 0, length: 9 }] });
    const botMessage = messageOf({ from: { id: BOT.id, first_name: 'Desk', is_bot: true }, chat: group, text: 'How can we help?' }, 1, () => 0) as Message;
    const replyToBot = update({ from: ana, chat: group, text: 'still broken', replyTo: botMessage });
    expect(parse(mention).kind).toBe('unsupported');
    expect(parse(plain, true).kind).toBe('unsupported');
    expect(parse(mention, true)).toMatchObject({ kind: 'message', message: { conversation: '-100777', from: '1001', text: 'my card was charged twice' } });
    expect(parse(replyToBot, true)).toMatchObject({ kind: 'message', message: { text: 'still broken' } });
  });

  it('makes an edited message an edit, with edit_date as its revision', () => {
    const original = messageOf({ from: ana, text: 'Order 1234' }, 7, () => 0);
    const event = parseTelegramUpdate({ update_id: 99, edited_message: { ...original, text: 'Order 1243', edit_date: 1_800_000_100 } } as unknown as Update, { bot: BOT, groups: false });
    expect(event).toEqual({ kind: 'edit', channel: 'telegram', externalId: '1001:7', text: 'Order 1243', revision: '1800000100', at: new Date(1_800_000_100_000) });
  });

  it('calls channel posts, service messages and other update kinds unsupported', () => {
    expect(parse(update({ from: ana, extra: { dice: { emoji: '🎲', value: 3 } } })).kind).toBe('unsupported');
    expect(parse({ update_id: 5, inline_query: {} } as unknown as Update)).toEqual({ kind: 'unsupported', reason: 'inline_query updates are not handled' });
    expect(parse(update({ from: ana, chat: { id: -1009, type: 'channel', title: 'News' }, text: 'post' }), true).kind).toBe('unsupported');
  });
});

describe('button presses (callback queries)', () => {
  const ours = messageOf({ from: { id: BOT.id, first_name: 'Desk', is_bot: true }, chat: undefined, text: 'Rate us' }, 12, () => 0);
  const pressed = (query: Record<string, unknown>) => parse({ update_id: ++ids, callback_query: { id: 'q-1', chat_instance: 'i', ...query } } as unknown as Update);

  it("makes a customer's press on our message a choice, in their chat and language, keyed by the query", () => {
    const message = { ...ours, chat: { id: 1001, type: 'private', first_name: 'Ana' } };
    expect(pressed({ from: { id: 1001, is_bot: false, first_name: 'Ana', language_code: 'pt-BR' }, message, data: 'csat:7:5' })).toEqual({
      kind: 'press',
      queryId: 'q-1',
      message: { chat: '1001', id: 12 },
      choice: { kind: 'choice', channel: 'telegram', externalId: 'callback:q-1', from: '1001', conversation: '1001', value: 'csat:7:5', language: 'pt-BR' },
    });
  });

  it('only answers presses that carry no choice: inline messages, games, bots', () => {
    const from = { id: 1001, is_bot: false, first_name: 'Ana' };
    expect(pressed({ from, inline_message_id: 'x', data: 'csat:7:5' })).toEqual({ kind: 'press', queryId: 'q-1', choice: undefined });
    expect(pressed({ from, message: ours, game_short_name: 'snake' })).toEqual({ kind: 'press', queryId: 'q-1', choice: undefined });
    expect(pressed({ from: { ...from, is_bot: true }, message: ours, data: 'csat:7:5' })).toEqual({ kind: 'press', queryId: 'q-1', choice: undefined });
  });

  it('reads the language Telegram reports for a message', () => {
    const event = parse(update({ from: { ...ana, language_code: 'de' }, text: 'Hallo' }));
    expect(event.kind === 'message' && event.message.language).toBe('de');
  });
});

describe('the webhook secret', () => {
  it('accepts the registered secret and refuses a missing (401) or different (403) one', () => {
    expect(() => verifyTelegramSecret('s3cret', 's3cret')).not.toThrow();
    expect(() => verifyTelegramSecret('s3cret', null)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => verifyTelegramSecret('s3cret', 's3cre7')).toThrow(ChannelAuthError);
    expect(() => verifyTelegramSecret('s3cret', 'longer-secret')).toThrow(expect.objectContaining({ status: 403 }));
  });
});
