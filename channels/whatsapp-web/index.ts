/**
 * The WhatsApp linked-device adapter (whatsapp-web.js): a phone linked like WhatsApp Web, for
 * teams without a Business API account. One instance holds the browser session (kept in
 * Postgres, so a restart or a fail-over needs no new scan); replies leave through it, paced so
 * the number never bursts.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ChannelSendError, type Channel, type ChannelModule, type OutboundAttachment } from '../../src/channels/contract.ts';
import { realClient, type ClientFactory, type WaMedia } from './client.ts';
import { parseWhatsAppWebSettings, type WhatsAppWebConfig } from './config.ts';
import { WHATSAPP_WEB_CHANNEL } from './inbound.ts';
import { holdSession, type LiveSession } from './session.ts';

export type { WhatsAppWebConfig } from './config.ts';
export { CHROMIUM_ARGS, realClient, sessionStore, type ClientFactory, type ClientOptions, type WaMessage, type WhatsAppClient } from './client.ts';
export { parseWhatsAppWebSettings } from './config.ts';
export { contactCardText, WHATSAPP_WEB_CHANNEL } from './inbound.ts';
export { SESSION_CLIENT_ID } from './session.ts';

const MAX_REPLY_TEXT = 4_096;
/** whatsapp-web.js sends media of up to about 64 MB through the browser; documents up to 100 MB on WhatsApp's side. */
const MAX_MEDIA_BYTES = 64 * 1024 * 1024;

/** The module, with the client it builds (tests give a fake one). */
export function createWhatsAppWebModule(createClient: ClientFactory = realClient, terminal: { write(text: string): unknown } = process.stdout): ChannelModule<WhatsAppWebConfig> {
  return {
    name: 'whatsapp-web',
    names: [WHATSAPP_WEB_CHANNEL],
    inbound: () => 'connection',
    settings: (env) => parseWhatsAppWebSettings(env),
    create(config, deps) {
      const live: LiveSession = {};
      deps.logger.info({ channel: WHATSAPP_WEB_CHANNEL, chromium: config.chromiumPath, groups: config.groups }, 'whatsapp-web: a linked device, held by one instance');
      return {
        channels: [whatsappWebChannel(config, live)],
        inbound: { kind: 'connection', start: (sink, signal) => holdSession(sink, signal, { config, deps, createClient, live, terminal }) },
      };
    },
  };
}

export const whatsappWebModule = createWhatsAppWebModule();

function whatsappWebChannel(config: WhatsAppWebConfig, live: LiveSession): Channel {
  const pacer = overallPacer(config.sendRate);
  // Parts of a reply already out, by our message id: a retry sends only the rest. Sends run on
  // the instance holding the session, so memory is where the retry finds it.
  const progress = new Map<string, number>();
  return {
    name: WHATSAPP_WEB_CHANNEL,
    limits: { maxTextLength: MAX_REPLY_TEXT, maxAttachmentBytes: MAX_MEDIA_BYTES, sendsPerSecond: config.chatRate },
    sendsThroughConnection: true,
    // WhatsApp's ban heuristics look at bursts per chat: the core paces each chat.
    pacingKey: (message) => message.conversation,
    async send(message) {
      const client = live.client;
      if (!client) throw new ChannelSendError('the WhatsApp session is not ready on this instance', { retryable: true, code: 'not-ready' });
      const chat = chatIdOf(message.conversation);
      const parts: (() => Promise<{ id: { _serialized: string } }>)[] = [];
      if (message.attachments.length === 0) parts.push(() => client.sendMessage(chat, message.text));
      message.attachments.forEach((file, i) =>
        parts.push(async () => client.sendMessage(chat, await mediaOf(file), i === 0 && message.text ? { caption: message.text } : {})),
      );
      let first: string | undefined;
      for (let i = progress.get(message.id) ?? 0; i < parts.length; i++) {
        await pacer();
        try {
          const sent = await parts[i]!();
          first ??= sent.id._serialized;
        } catch (error) {
          throw sendError(error);
        }
        progress.set(message.id, i + 1);
      }
      progress.delete(message.id);
      if (!first) throw new ChannelSendError('nothing to send: the reply has no text and no files', { retryable: false, code: 'empty' });
      return { externalId: first };
    },
  };
}

/**
 * The chat a conversation key names: the core keeps a person's chat as their number in E.164
 * (so one number is one contact across channels); whatsapp-web.js wants `<digits>@c.us`.
 * Privacy ids (`…@lid`) and groups (`…@g.us`) are kept as WhatsApp gave them.
 */
export function chatIdOf(conversation: string): string {
  return /^\+\d+$/.test(conversation) ? `${conversation.slice(1)}@c.us` : conversation;
}

/** A file as whatsapp-web.js sends it: its MessageMedia (the client tells media from text by class). */
async function mediaOf(file: OutboundAttachment): Promise<WaMedia> {
  const { MessageMedia } = await import('whatsapp-web.js');
  return new MessageMedia(file.contentType, Buffer.from(await file.read()).toString('base64'), file.name, file.size);
}

/** whatsapp-web.js throws plain errors: a bad chat id is final, anything else (a page gone) is tried again. */
function sendError(error: unknown): ChannelSendError {
  const text = (error as Error).message ?? String(error);
  if (/invalid wid|wid error|not a valid/i.test(text)) return new ChannelSendError(`WhatsApp refused the chat: ${text}`, { retryable: false, code: 'invalid-chat', cause: error });
  return new ChannelSendError(`WhatsApp send failed: ${text}`, { retryable: true, code: 'send-failed', cause: error });
}

/** Spaces sends over all chats at `rate` a second (sends happen only on the instance holding the session). */
function overallPacer(rate: number): () => Promise<void> {
  let next = 0;
  return async () => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + 1000 / rate;
    if (at > now) await delay(at - now);
  };
}

