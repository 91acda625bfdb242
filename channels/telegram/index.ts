/**
 * The Telegram adapter: a bot through telegraf's Bot API client. With a public URL Telegram
 * posts updates to our webhook; without one, one instance holds a getUpdates long poll.
 * Replies leave from any instance: the Bot API needs no connection to send.
 */
import { Input, Telegram } from 'telegraf';
import {
  ChannelSendError,
  type Channel,
  type ChannelDeps,
  type ChannelModule,
  type ChannelSet,
  type OutboundAttachment,
  type OutboundMessage,
} from '../../src/channels/contract.ts';
import { parseTelegramSettings, type TelegramConfig } from './config.ts';
import { TELEGRAM_CHANNEL, telegramMessageId, type TelegramBotIdentity } from './inbound.ts';
import { splitTelegramText, TelegramPacer, toTelegramSendError } from './outbound.ts';
import { pollTelegram } from './polling.ts';
import type { TelegramUpdateContext } from './updates.ts';
import { handleTelegramWebhook, registerTelegramWebhook, TELEGRAM_WEBHOOK_PATH } from './webhook.ts';

export type { TelegramConfig } from './config.ts';
export { parseTelegramUpdate, verifyTelegramSecret } from './inbound.ts';
export { splitTelegramText } from './outbound.ts';
export { TELEGRAM_GREETING } from './updates.ts';
export { TELEGRAM_WEBHOOK_PATH } from './webhook.ts';

/**
 * The core refuses a reply longer than this before sending; the adapter splits anything over
 * Telegram's 4,096 characters into several messages, in order.
 */
const MAX_REPLY_TEXT = 32_000;
/** Bots upload files of up to 50 MB (https://core.telegram.org/bots/api#sending-files). */
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** sendPhoto takes JPEG/PNG/WebP of up to 10 MB; other images go as documents, uncompressed. */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
/** Buttons in one row of an inline keyboard that still fit a phone's width. */
const MAX_BUTTONS = 8;

/** The Telegram channel module: settings from TELEGRAM_* variables, then webhooks or long polling. */
export const telegramModule: ChannelModule<TelegramConfig> = {
  name: 'telegram',
  names: [TELEGRAM_CHANNEL],
  inbound: (config) => (config.publicBaseUrl ? 'webhooks' : 'connection'),
  settings: parseTelegramSettings,
  create: createTelegramChannel,
};

/** Builds the telegram channel and its way in: the webhook (registered now) or the long poll. */
export function createTelegramChannel(config: TelegramConfig, deps: ChannelDeps): ChannelSet {
  const telegram = new Telegram(config.token, { apiRoot: config.apiUrl });
  const pacer = new TelegramPacer({ now: () => Date.now() });
  let identity: Promise<TelegramBotIdentity> | undefined;
  const context: TelegramUpdateContext = {
    config,
    deps,
    telegram,
    pacer,
    bot: () =>
      (identity ??= telegram.getMe().then(
        (me) => ({ id: me.id, ...(me.username ? { username: me.username } : {}) }),
        (error: unknown) => {
          identity = undefined; // asked again for the next group message
          throw error;
        },
      )),
  };
  const channel = telegramChannel(telegram, pacer, deps);

  if (config.publicBaseUrl) {
    deps.logger.info({ channel: 'telegram', mode: 'webhook', url: `${config.publicBaseUrl}${TELEGRAM_WEBHOOK_PATH}`, groups: config.groups }, 'telegram: webhook mode');
    void registerTelegramWebhook(context);
    return {
      channels: [channel],
      inbound: {
        kind: 'webhooks',
        routes: [{ method: 'POST', path: TELEGRAM_WEBHOOK_PATH }],
        handle: (request, sink) => handleTelegramWebhook(request, sink, context),
      },
    };
  }
  deps.logger.info({ channel: 'telegram', mode: 'long polling', groups: config.groups }, 'telegram: long polling (no PUBLIC_BASE_URL), held by one instance');
  return { channels: [channel], inbound: { kind: 'connection', start: (sink, signal) => pollTelegram(sink, signal, context) } };
}

function telegramChannel(telegram: Telegram, pacer: TelegramPacer, deps: ChannelDeps): Channel {
  const progress = sendProgress(deps);
  return {
    name: TELEGRAM_CHANNEL,
    limits: { maxTextLength: MAX_REPLY_TEXT, maxAttachmentBytes: MAX_UPLOAD_BYTES, sendsPerSecond: 1, maxChoices: MAX_BUTTONS },
    // Telegram's limit is per chat: replies to different customers do not wait for each other.
    pacingKey: (message) => message.conversation,
    async send(message) {
      const chat = message.conversation;
      const parts = message.text ? splitTelegramText(message.text) : [];
      const steps: (() => Promise<{ message_id: number }>)[] = [
        // The buttons go under the last part, where the customer finishes reading.
        ...parts.map((text, i) => () => telegram.sendMessage(chat, text, { ...(i === 0 ? replyTo(message) : {}), ...(i === parts.length - 1 ? keyboard(message) : {}) })),
        ...message.attachments.map((file) => async () => sendFile(telegram, chat, file)),
      ];
      if (!steps.length) throw new ChannelSendError('nothing to send: the reply has no text and no files', { retryable: false, code: 'empty' });
      // A reply of several messages is sent part by part; a retry (after a 429 halfway) sends
      // only the parts not yet sent, so the customer never reads one twice.
      const done = steps.length > 1 ? await progress.get(message.id) : [];
      for (let i = done.length; i < steps.length; i++) {
        await pacer.take(chat);
        try {
          const sent = await steps[i]!();
          done.push(sent.message_id);
        } catch (error) {
          const failure = toTelegramSendError(error);
          // A verdict (blocked, chat gone) ends the reply: nothing will resume it.
          if (!failure.retryable && steps.length > 1) await progress.forget(message.id);
          throw failure;
        }
        if (steps.length > 1 && i < steps.length - 1) await progress.set(message.id, done);
      }
      if (steps.length > 1) await progress.forget(message.id);
      return { externalId: telegramMessageId(chat, done[0]!) };
    },
  };
}

/** The message's choices as one row of inline keyboard buttons (https://core.telegram.org/bots/api#inlinekeyboardmarkup). */
function keyboard(message: OutboundMessage): { reply_markup?: { inline_keyboard: { text: string; callback_data: string }[][] } } {
  if (!message.choices?.length) return {};
  return { reply_markup: { inline_keyboard: [message.choices.slice(0, MAX_BUTTONS).map((c) => ({ text: c.label, callback_data: c.value }))] } };
}

/** In a group, the reply quotes the customer's message it answers, so they see it is for them. */
function replyTo(message: OutboundMessage): { reply_parameters?: { message_id: number; allow_sending_without_reply: true } } {
  const [chat, id] = message.inReplyTo?.split(':') ?? [];
  if (!chat?.startsWith('-') || chat !== message.conversation || !id) return {};
  return { reply_parameters: { message_id: Number(id), allow_sending_without_reply: true } };
}

async function sendFile(telegram: Telegram, chat: string, file: OutboundAttachment): Promise<{ message_id: number }> {
  const input = Input.fromBuffer(Buffer.from(await file.read()), file.name);
  if (PHOTO_TYPES.has(file.contentType) && file.size <= PHOTO_MAX_BYTES) return telegram.sendPhoto(chat, input);
  return telegram.sendDocument(chat, input);
}

/**
 * Which parts of a reply are out, by our message id. Kept in the module's state (Postgres,
 * writable from any instance), so a retry on another instance knows too. Where the write
 * fails (the database is down) it is kept in memory, where the retry of a rate-limited reply
 * most likely runs again: a write failing after a part went out must not turn into a retry
 * that sends that part again.
 */
function sendProgress(deps: ChannelDeps) {
  const memory = new Map<string, number[]>();
  const key = (id: string) => `sent:${id}`;
  return {
    async get(id: string): Promise<number[]> {
      return [...(memory.get(id) ?? (await deps.state.get<number[]>(key(id))) ?? [])];
    },
    async set(id: string, done: number[]): Promise<void> {
      memory.set(id, [...done]);
      await deps.state.set(key(id), done, { anyInstance: true }).catch((error: unknown) => {
        deps.logger.warn({ channel: 'telegram', message: id, err: (error as Error).message }, 'telegram send progress kept in memory only');
      });
    },
    async forget(id: string): Promise<void> {
      memory.delete(id);
      await deps.state.delete(key(id), { anyInstance: true }).catch(() => {});
    },
  };
}
