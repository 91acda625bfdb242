/**
 * Sending an agent's reply over Discord's REST API, from any instance (the bot token is all it
 * needs). @discordjs/rest queues requests per rate-limit bucket and waits out a 429 itself
 * (https://discord.com/developers/docs/topics/rate-limits), so a reply is never dropped for pace.
 */
import { DiscordAPIError, HTTPError, RateLimitError, REST, type RawFile } from '@discordjs/rest';
import { ButtonStyle, ComponentType, Routes, type APIActionRowComponent, type APIButtonComponentWithCustomId, type RESTPostAPIChannelMessageResult, type RESTPostAPIChannelThreadsResult } from 'discord-api-types/v10';
import { ChannelSendError, type OutboundChoice, type OutboundMessage, type SendResult } from '../../src/channels/contract.ts';
import { DISCORD_ERRORS } from './types.ts';

// Discord message limits (https://discord.com/developers/docs/resources/message#create-message).
export const DISCORD_MAX_TEXT = 2000;
export const DISCORD_MAX_FILES_PER_MESSAGE = 10;
/** Upload limit without server boosts (10 MiB since 2024). */
export const DISCORD_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Thread names are 1–100 characters. */
const THREAD_NAME_MAX = 100;
/** A thread with no activity for a week hides; the customer can still write in it, which reopens it. */
const THREAD_ARCHIVE_MINUTES = 10_080;
/** Buttons: five to an action row, five rows to a message (https://discord.com/developers/docs/components/reference#action-row). */
const BUTTONS_PER_ROW = 5;
export const DISCORD_MAX_BUTTONS = 25;

/** The REST client sends use: the same queueing and rate-limit handling discord.js's Client uses. */
export function createDiscordRest(options: { token: string; apiUrl: string }): REST {
  return new REST({ api: options.apiUrl, version: '10' }).setToken(options.token);
}

/**
 * Sends one reply into the conversation: the DM channel or the ticket's thread. The first reply
 * to a support-channel message finds no channel by that id (10003) and opens the thread under
 * the message, which takes the message's id, then posts there.
 */
export async function sendDiscordReply(rest: REST, message: OutboundMessage, supportChannelId: string | undefined): Promise<SendResult> {
  try {
    let first: RESTPostAPIChannelMessageResult;
    let thread: string | undefined;
    const rows = buttonRows(message.choices ?? []);
    try {
      first = await post(rest, message.conversation, message.text, await filesOf(message, 0), rows);
    } catch (error) {
      if (!supportChannelId || !isDiscordError(error, DISCORD_ERRORS.unknownChannel)) throw error;
      thread = await openThread(rest, supportChannelId, message);
      first = await post(rest, thread, message.text, await filesOf(message, 0), rows);
    }
    // More than ten files leave in further messages, after the text.
    for (let start = DISCORD_MAX_FILES_PER_MESSAGE; start < message.attachments.length; start += DISCORD_MAX_FILES_PER_MESSAGE) {
      await post(rest, first.channel_id, '', await filesOf(message, start));
    }
    // The conversation continues in the thread (whose id Discord makes that of the message).
    return { externalId: first.id, ...(thread || first.channel_id !== message.conversation ? { conversation: first.channel_id } : {}) };
  } catch (error) {
    throw toChannelSendError(error);
  }
}

/** Opens the public thread under the customer's support-channel message; returns its id. */
async function openThread(rest: REST, supportChannelId: string, message: OutboundMessage): Promise<string> {
  try {
    const name = `Ticket #${message.ticket}${message.subject ? ` · ${message.subject}` : ''}`.slice(0, THREAD_NAME_MAX);
    const thread = (await rest.post(Routes.threads(supportChannelId, message.conversation), {
      body: { name, auto_archive_duration: THREAD_ARCHIVE_MINUTES },
      reason: `Switchboard ticket #${message.ticket}`,
    })) as RESTPostAPIChannelThreadsResult;
    return thread.id;
  } catch (error) {
    // Another attempt (or an agent by hand) opened it first: it is there to post in, under the
    // message's id.
    if (!isDiscordError(error, DISCORD_ERRORS.threadAlreadyCreated)) throw error;
    return message.conversation;
  }
}

async function post(rest: REST, channelId: string, text: string, files: RawFile[], rows: APIActionRowComponent<APIButtonComponentWithCustomId>[] = []): Promise<RESTPostAPIChannelMessageResult> {
  return (await rest.post(Routes.channelMessages(channelId), {
    // Agents' text never pings @everyone, roles or users by accident.
    body: { content: text, allowed_mentions: { parse: [] }, ...(rows.length ? { components: rows } : {}) },
    ...(files.length ? { files } : {}),
  })) as RESTPostAPIChannelMessageResult;
}

/** The message's choices as buttons, five to a row; a press comes back as an interaction. */
function buttonRows(choices: readonly OutboundChoice[]): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const buttons: APIButtonComponentWithCustomId[] = choices
    .slice(0, DISCORD_MAX_BUTTONS)
    .map((choice) => ({ type: ComponentType.Button, style: ButtonStyle.Secondary, label: choice.label, custom_id: choice.value }));
  const rows: APIActionRowComponent<APIButtonComponentWithCustomId>[] = [];
  for (let i = 0; i < buttons.length; i += BUTTONS_PER_ROW) rows.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + BUTTONS_PER_ROW) });
  return rows;
}

async function filesOf(message: OutboundMessage, start: number): Promise<RawFile[]> {
  const slice = message.attachments.slice(start, start + DISCORD_MAX_FILES_PER_MESSAGE);
  return Promise.all(slice.map(async (file) => ({ name: file.name, contentType: file.contentType, data: Buffer.from(await file.read()) })));
}

function isDiscordError(error: unknown, code: number): boolean {
  return error instanceof DiscordAPIError && error.code === code;
}

const REASONS: Partial<Record<number, string>> = {
  [DISCORD_ERRORS.cannotSendToUser]:
    'Discord refused the message: the customer does not accept direct messages from the bot (closed DMs, blocked the bot, or left every shared server) (Discord error 50007)',
  [DISCORD_ERRORS.missingAccess]: 'the bot cannot see this Discord channel (Discord error 50001: Missing Access)',
  [DISCORD_ERRORS.missingPermissions]:
    'the bot lacks a permission in this Discord channel: it needs Send Messages, Create Public Threads, Send Messages in Threads and Attach Files (Discord error 50013)',
  [DISCORD_ERRORS.unknownChannel]: 'the Discord conversation no longer exists (Discord error 10003: Unknown Channel)',
  [DISCORD_ERRORS.unknownMessage]: "the customer's Discord message was deleted, so no thread can be opened under it (Discord error 10008)",
};

/**
 * Maps what @discordjs/rest throws: a DiscordAPIError is Discord's verdict on this message (4xx,
 * not retried) unless it is 401 (a token an operator will fix) or 429; HTTPError is a 5xx left
 * after the client's own retries; anything else never got an answer and is retried.
 */
export function toChannelSendError(error: unknown): ChannelSendError {
  if (error instanceof ChannelSendError) return error;
  if (error instanceof RateLimitError) {
    return new ChannelSendError('Discord is rate limiting us; the reply will be sent when it allows', {
      retryable: true,
      rateLimited: true,
      retryAfterMs: error.retryAfter,
      code: '429',
      cause: error,
    });
  }
  if (error instanceof DiscordAPIError) {
    const code = typeof error.code === 'number' ? error.code : undefined;
    const reason = (code !== undefined ? REASONS[code] : undefined) ?? `Discord refused the message: ${error.message}${code !== undefined ? ` (Discord error ${code})` : ''}`;
    const retryable = error.status === 401 || error.status === 429 || error.status >= 500;
    return new ChannelSendError(error.status === 401 ? 'Discord refused the bot token (check DISCORD_BOT_TOKEN)' : reason, {
      retryable,
      ...(error.status === 429 ? { rateLimited: true } : {}),
      code: String(code ?? error.status),
      cause: error,
    });
  }
  if (error instanceof HTTPError) {
    return new ChannelSendError(`Discord answered HTTP ${error.status}`, { retryable: true, code: String(error.status), cause: error });
  }
  return new ChannelSendError(`could not reach Discord: ${(error as Error).message}`, { retryable: true, cause: error });
}
