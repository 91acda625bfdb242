/**
 * What one update becomes, the same whether it came by webhook or by long polling: a stored
 * message (files fetched first), an edit, a greeting for `/start`, or nothing.
 */
import type { Telegram } from 'telegraf';
import { ChannelInputError, type ChannelDeps, type ChoiceResult, type Sink } from '../../src/channels/contract.ts';
import type { TelegramConfig } from './config.ts';
import { downloadTelegramFiles } from './files.ts';
import { parseTelegramUpdate, type TelegramBotIdentity, type TelegramPress } from './inbound.ts';
import type { TelegramPacer } from './outbound.ts';
import type { Update } from './types.ts';

/** The answer to `/start`: Telegram shows a Start button to every new user, so this is their first contact. */
export const TELEGRAM_GREETING =
  'Hello! This is our support desk. Write your question here, with photos or files if they help, and our team will answer in this chat. ' +
  'After your first message you will get a ticket number; anything more you write here joins the same ticket.';

export interface TelegramUpdateContext {
  config: TelegramConfig;
  deps: ChannelDeps;
  telegram: Telegram;
  pacer: TelegramPacer;
  /** Who we are; the username is fetched (getMe) only when a group message needs it. */
  bot(): Promise<TelegramBotIdentity>;
}

/**
 * Handles one update. Resolves once what it carries is committed (or known not to be ours);
 * rejects when it could not be stored, so Telegram (webhook) or the poll loop delivers it again.
 */
export async function handleTelegramUpdate(update: Update, sink: Sink, context: TelegramUpdateContext): Promise<void> {
  const { config, deps } = context;
  const groupMessage = config.groups && isGroupUpdate(update);
  const bot = groupMessage ? await context.bot() : { id: config.botId };
  const event = parseTelegramUpdate(update, { bot, groups: config.groups });
  const log = { channel: 'telegram', update: update.update_id };
  switch (event.kind) {
    case 'unsupported':
      deps.logger.debug({ ...log, reason: event.reason }, 'telegram update ignored');
      return;
    case 'start':
      await greet(event.chat, context);
      return;
    case 'press': {
      let result: ChoiceResult | undefined;
      try {
        result = event.choice ? await sink.choice(event.choice) : undefined;
      } catch (error) {
        if (!(error instanceof ChannelInputError)) throw error;
        deps.logger.warn({ ...log, err: error.message }, 'telegram button press refused by the core; skipped');
      }
      await answerPress(event, result, context);
      return;
    }
    case 'edit': {
      const result = await sink.edit(event);
      deps.logger.debug({ ...log, externalId: event.externalId, outcome: result.outcome }, 'telegram edit handled');
      return;
    }
    case 'message': {
      const downloads = await downloadTelegramFiles(event.files, { telegram: context.telegram, apiUrl: config.apiUrl, token: config.token, fetch: deps.fetch });
      if (downloads.skipped.length) deps.logger.warn({ ...log, skipped: downloads.skipped }, 'telegram files skipped');
      const notes = downloads.skipped.map((line) => `[${line}]`);
      const message = { ...event.message, text: [event.message.text, ...notes].filter(Boolean).join('\n'), attachments: downloads.attachments };
      try {
        await sink.message(message);
      } catch (error) {
        // Nothing about it changes on a retry: the core refused its content.
        if (error instanceof ChannelInputError) {
          deps.logger.warn({ ...log, externalId: message.externalId, err: error.message }, 'telegram message refused by the core; skipped');
          return;
        }
        throw error;
      }
      return;
    }
  }
}

/**
 * Answers a press once it is committed: the customer's button stops spinning and Telegram shows
 * our line; a taken answer also takes the keyboard off the message, so it cannot be pressed
 * again. Both are courtesies: a failure (a redelivered query answered already) is only logged.
 */
async function answerPress(press: TelegramPress, result: ChoiceResult | undefined, context: TelegramUpdateContext): Promise<void> {
  const log = { channel: 'telegram', query: press.queryId };
  try {
    await context.telegram.answerCbQuery(press.queryId, result?.reply);
  } catch (error) {
    context.deps.logger.debug({ ...log, err: (error as Error).message }, 'telegram callback query not answered');
  }
  if (!press.message || (result?.outcome !== 'recorded' && result?.outcome !== 'duplicate')) return;
  try {
    await context.telegram.editMessageReplyMarkup(press.message.chat, press.message.id, undefined, { inline_keyboard: [] });
  } catch (error) {
    context.deps.logger.debug({ ...log, err: (error as Error).message }, 'telegram keyboard not removed');
  }
}

/** The greeting is a courtesy: a failure to send it is logged, never a reason to redeliver. */
async function greet(chat: string, context: TelegramUpdateContext): Promise<void> {
  try {
    await context.pacer.take(chat);
    await context.telegram.sendMessage(chat, TELEGRAM_GREETING);
  } catch (error) {
    context.deps.logger.warn({ channel: 'telegram', chat, err: (error as Error).message }, 'telegram greeting not sent');
  }
}

function isGroupUpdate(update: Update): boolean {
  const message = 'message' in update ? update.message : 'edited_message' in update ? update.edited_message : undefined;
  return message !== undefined && (message.chat.type === 'group' || message.chat.type === 'supergroup');
}
