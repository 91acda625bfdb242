/**
 * Verifying and parsing what Telegram delivers (a webhook request or a getUpdates result):
 * pure functions, no I/O. The files a message carries are listed here and fetched by files.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import { ChannelAuthError, type InboundChoice, type InboundEdit, type InboundMessage, type Unsupported } from '../../src/channels/contract.ts';
import type { CallbackQuery, TelegramFileRef, TelegramMessage, Update } from './types.ts';

export const TELEGRAM_CHANNEL = 'telegram';

/**
 * Checks X-Telegram-Bot-Api-Secret-Token, which Telegram sends with every webhook request
 * once setWebhook was given `secret_token` (https://core.telegram.org/bots/api#setwebhook).
 * Throws ChannelAuthError: 401 when it is missing, 403 when it differs.
 */
export function verifyTelegramSecret(expected: string, received: string | null): void {
  if (!received) throw new ChannelAuthError('missing X-Telegram-Bot-Api-Secret-Token', 401);
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new ChannelAuthError('X-Telegram-Bot-Api-Secret-Token does not match', 403);
}

/** Who we are, for telling our own messages and mentions of us apart. */
export interface TelegramBotIdentity {
  id: number;
  /** Without the `@`; known once getMe answered (needed for mentions in groups only). */
  username?: string;
}

export interface TelegramParseOptions {
  bot: TelegramBotIdentity;
  /** Group chats are served (mentions of the bot and replies to it only). */
  groups: boolean;
}

/** A customer's message, with the files still to fetch. */
export interface TelegramInbound {
  kind: 'message';
  message: InboundMessage;
  files: TelegramFileRef[];
}

/** `/start` in a private chat: Telegram's first message from every new user, answered with a greeting. */
export interface TelegramStart {
  kind: 'start';
  chat: string;
}

/**
 * A press of one of our inline keyboard buttons: the choice, and the callback query to answer
 * (Telegram shows a progress bar on the button until answerCallbackQuery is called).
 */
export interface TelegramPress {
  kind: 'press';
  queryId: string;
  /** The choice, when the press is a customer's on one of our messages; undefined: only answer it. */
  choice: InboundChoice | undefined;
  /** Where the pressed message is, to take its keyboard off once answered. */
  message?: { chat: string; id: number };
}

export type TelegramEvent = TelegramInbound | TelegramStart | TelegramPress | InboundEdit | Unsupported;

/**
 * Parses one update into a `kind` union: a customer message (files listed, not yet fetched),
 * an edit, `/start`, or `unsupported` for anything else (channel posts, service messages,
 * other bots, group chatter not addressed to us).
 */
export function parseTelegramUpdate(update: Update, options: TelegramParseOptions): TelegramEvent {
  if ('message' in update && update.message) return parseMessage(update.message as TelegramMessage, options);
  if ('edited_message' in update && update.edited_message) return parseEdit(update.edited_message as TelegramMessage, options);
  if ('callback_query' in update && update.callback_query) return parsePress(update.callback_query, options);
  const kind = Object.keys(update).find((key) => key !== 'update_id') ?? 'empty';
  return { kind: 'unsupported', reason: `${kind} updates are not handled` };
}

/** The platform id of a message: message ids are counted per chat, so the chat is part of it. */
export function telegramMessageId(chat: number | string, messageId: number | string): string {
  return `${chat}:${messageId}`;
}

function parseMessage(m: TelegramMessage, options: TelegramParseOptions): TelegramEvent {
  const refusal = notForUs(m, options);
  if (refusal) return refusal;
  const from = m.from!;
  const chat = String(m.chat.id);
  const text = messageText(m, options.bot);
  if (m.chat.type === 'private' && /^\/start(@\w+)?(\s|$)/.test(m.text ?? '')) return { kind: 'start', chat };
  const files = fileRefs(m);
  if (!text && !files.length) return { kind: 'unsupported', reason: 'a message with nothing we can show (a service message, a poll, a game…)' };
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username;
  return {
    kind: 'message',
    files,
    message: {
      kind: 'message',
      channel: TELEGRAM_CHANNEL,
      externalId: telegramMessageId(chat, m.message_id),
      from: String(from.id),
      ...(name ? { name } : {}),
      conversation: chat,
      text,
      attachments: [],
      receivedAt: new Date(m.date * 1000),
      ...(from.language_code ? { language: from.language_code } : {}),
    },
  };
}

/**
 * A button press (https://core.telegram.org/bots/api#callbackquery). Telegram does not check
 * that `data` is one of the message's buttons, so the core checks who pressed what.
 */
function parsePress(query: CallbackQuery, options: TelegramParseOptions): TelegramPress {
  const message = query.message;
  const data = 'data' in query ? query.data : undefined;
  const refusal = !message ? 'a press on a message sent inline' : data === undefined ? 'a game button' : query.from.is_bot || query.from.id === options.bot.id ? 'a bot pressing' : undefined;
  if (refusal || !message || data === undefined) return { kind: 'press', queryId: query.id, choice: undefined };
  const chat = String(message.chat.id);
  return {
    kind: 'press',
    queryId: query.id,
    message: { chat, id: message.message_id },
    choice: {
      kind: 'choice',
      channel: TELEGRAM_CHANNEL,
      externalId: `callback:${query.id}`,
      from: String(query.from.id),
      conversation: chat,
      value: data,
      ...(query.from.language_code ? { language: query.from.language_code } : {}),
    },
  };
}

function parseEdit(m: TelegramMessage, options: TelegramParseOptions): InboundEdit | Unsupported {
  const refusal = notForUs(m, options, { edit: true });
  if (refusal) return refusal;
  const at = m.edit_date ?? m.date;
  return {
    kind: 'edit',
    channel: TELEGRAM_CHANNEL,
    externalId: telegramMessageId(m.chat.id, m.message_id),
    text: messageText(m, options.bot),
    // Telegram resends an edit with the same edit_date on a webhook retry; a second edit has a later one.
    revision: String(at),
    at: new Date(at * 1000),
  };
}

/** Why a message is not a customer's message to the desk, or undefined when it is. */
function notForUs(m: TelegramMessage, options: TelegramParseOptions, { edit = false } = {}): Unsupported | undefined {
  if (!m.from) return { kind: 'unsupported', reason: 'a message without a sender' };
  if (m.from.id === options.bot.id) return { kind: 'unsupported', reason: 'our own message' };
  if (m.from.is_bot) return { kind: 'unsupported', reason: 'a message from another bot' };
  if (m.chat.type === 'private') return undefined;
  if (m.chat.type === 'channel') return { kind: 'unsupported', reason: 'a channel post' };
  if (!options.groups) return { kind: 'unsupported', reason: 'a group message (groups are off: TELEGRAM_GROUPS)' };
  // An edit refers to a message we stored or not; the core answers `unknown` for the rest.
  if (edit || addressesBot(m, options.bot)) return undefined;
  return { kind: 'unsupported', reason: 'a group message not addressed to the bot' };
}

/** In a group, a message is ours when it mentions the bot or replies to one of its messages. */
function addressesBot(m: TelegramMessage, bot: TelegramBotIdentity): boolean {
  if (m.reply_to_message?.from?.id === bot.id) return true;
  const text = m.text ?? m.caption ?? '';
  const entities = m.entities ?? m.caption_entities ?? [];
  return entities.some((e) => {
    if (e.type === 'text_mention') return e.user.id === bot.id;
    if (e.type === 'mention' || e.type === 'bot_command') {
      const word = text.slice(e.offset, e.offset + e.length).toLowerCase();
      return bot.username !== undefined && word.endsWith(`@${bot.username.toLowerCase()}`);
    }
    return false;
  });
}

/** What the agent reads: the text or caption (our @mention removed), or a line for what has none. */
function messageText(m: TelegramMessage, bot: TelegramBotIdentity): string {
  let text = m.text ?? m.caption ?? '';
  if (bot.username) text = text.replace(new RegExp(`(^|\\s)@${bot.username}\\b`, 'gi'), '$1').trim();
  if (m.sticker) text = [text, `[sticker${m.sticker.emoji ? ` ${m.sticker.emoji}` : ''}]`].filter(Boolean).join('\n');
  if (m.location) text = [text, `Location: https://maps.google.com/?q=${m.location.latitude},${m.location.longitude}`].filter(Boolean).join('\n');
  if (m.contact) text = [text, `Contact: ${[m.contact.first_name, m.contact.last_name].filter(Boolean).join(' ')} ${m.contact.phone_number}`].filter(Boolean).join('\n');
  return text;
}

/** The files a message carries: the largest size of a photo, documents, voice notes, video, audio. */
export function fileRefs(m: TelegramMessage): TelegramFileRef[] {
  const refs: TelegramFileRef[] = [];
  const add = (file: { file_id: string; file_size?: number } | undefined, name: string, contentType: string) => {
    if (file) refs.push({ fileId: file.file_id, name, contentType, ...(file.file_size !== undefined ? { size: file.file_size } : {}) });
  };
  const id = m.message_id;
  if (m.photo?.length) {
    // Telegram lists a photo in several sizes; the last is the largest, but say so by size.
    const largest = m.photo.reduce((best, size) => ((size.file_size ?? size.width * size.height) >= (best.file_size ?? best.width * best.height) ? size : best));
    add(largest, `photo-${id}.jpg`, 'image/jpeg');
  }
  if (m.document) add(m.document, m.document.file_name ?? `document-${id}`, m.document.mime_type ?? 'application/octet-stream');
  if (m.voice) add(m.voice, `voice-${id}.ogg`, m.voice.mime_type ?? 'audio/ogg');
  if (m.audio) add(m.audio, m.audio.file_name ?? `audio-${id}.mp3`, m.audio.mime_type ?? 'audio/mpeg');
  if (m.video) add(m.video, m.video.file_name ?? `video-${id}.mp4`, m.video.mime_type ?? 'video/mp4');
  if (m.video_note) add(m.video_note, `video-note-${id}.mp4`, 'video/mp4');
  return refs;
}
