/**
 * Turning Discord messages into the contract's events: which messages are customers', which
 * conversation each belongs to, and their files.
 */
import type { InboundAttachment, InboundChoice, InboundEvent, InboundMessage, Unsupported } from '../../src/channels/contract.ts';
import { CUSTOMER_MESSAGE_TYPES, type DiscordAttachmentView, type DiscordMessageView, type DiscordPressView } from './types.ts';

export const DISCORD_CHANNEL = 'discord';

// A free guild's upload limit is 10 MiB (https://support.discord.com/hc/en-us/articles/25444343291031);
// boosted guilds allow more, so customer files are fetched up to a generous cap and larger ones left as a note.
const MAX_INBOUND_FILE_BYTES = 50 * 1024 * 1024;

export interface DiscordScope {
  /** Our bot's user id: its own messages are echoes of our sends. */
  botId: string | undefined;
  supportChannelId: string | undefined;
}

/**
 * The conversation a customer message belongs to: the DM channel; in the support channel, the
 * message itself (the thread our first reply opens under it gets the same id, as Discord gives a
 * thread started from a message that message's id); in a thread of the support channel, the
 * thread. Undefined for anywhere else.
 */
export function discordConversation(message: Pick<DiscordMessageView, 'id' | 'channelId' | 'place'>, supportChannelId: string | undefined): string | undefined {
  const { place } = message;
  if (place.kind === 'dm') return message.channelId;
  if (!supportChannelId) return undefined;
  if (!place.thread && place.channelId === supportChannelId) return message.id;
  if (place.thread && place.parentId === supportChannelId) return place.channelId;
  return undefined;
}

/** Maps a created message onto an inbound message, or says why it is not one (bots, system messages, other channels). */
export function parseDiscordMessage(message: DiscordMessageView, scope: DiscordScope): Unsupported | (Omit<InboundMessage, 'attachments'> & { files: DiscordAttachmentView[] }) {
  if (message.author.id === scope.botId) return { kind: 'unsupported', reason: 'our own message echoed back' };
  if (message.author.bot || message.webhookId) return { kind: 'unsupported', reason: 'a message from a bot or webhook' };
  if (!CUSTOMER_MESSAGE_TYPES.has(message.type)) return { kind: 'unsupported', reason: `system message of type ${message.type}` };
  const conversation = discordConversation(message, scope.supportChannelId);
  if (!conversation) return { kind: 'unsupported', reason: 'not a DM nor the support channel' };
  const text = [message.content, ...message.stickers.map((name) => `[sticker: ${name}]`)].filter(Boolean).join('\n');
  const name = message.memberName ?? message.author.globalName ?? message.author.username;
  return {
    kind: 'message',
    channel: DISCORD_CHANNEL,
    externalId: message.id,
    from: message.author.id,
    ...(name ? { name } : {}),
    conversation,
    text,
    files: message.attachments,
    receivedAt: new Date(message.createdTimestamp),
  };
}

/** An edit of a customer message; undefined for updates that changed no text (an embed unfurling). */
export function parseDiscordEdit(message: DiscordMessageView, scope: DiscordScope, previousText?: string): InboundEvent {
  if (message.author.id === scope.botId || message.author.bot || message.webhookId) return { kind: 'unsupported', reason: 'a bot message changed' };
  if (message.editedTimestamp === null) return { kind: 'unsupported', reason: 'an update that is not an edit (embeds resolved)' };
  if (previousText !== undefined && previousText === message.content) return { kind: 'unsupported', reason: 'the text did not change' };
  return {
    kind: 'edit',
    channel: DISCORD_CHANNEL,
    externalId: message.id,
    text: message.content,
    revision: String(message.editedTimestamp),
    at: new Date(message.editedTimestamp),
  };
}

/**
 * A press of one of our buttons as a choice. The pressed message lives in the conversation (the
 * DM, the ticket's thread), so its channel is the conversation; the core checks who pressed.
 */
export function parseDiscordPress(press: DiscordPressView): InboundChoice | Unsupported {
  if (press.user.bot) return { kind: 'unsupported', reason: 'a bot pressed a button' };
  return {
    kind: 'choice',
    channel: DISCORD_CHANNEL,
    externalId: `interaction:${press.id}`,
    from: press.user.id,
    conversation: press.channelId,
    value: press.customId,
    ...(press.locale ? { language: press.locale } : {}),
  };
}

/** Downloads a message's files from Discord's CDN; a file too large or unreachable becomes a line for the agent. */
export async function downloadDiscordAttachments(
  files: readonly DiscordAttachmentView[],
  fetcher: typeof fetch,
): Promise<{ attachments: InboundAttachment[]; skipped: string[] }> {
  const attachments: InboundAttachment[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    if (file.size > MAX_INBOUND_FILE_BYTES) {
      skipped.push(`${file.name} (${file.size} bytes) is too large to relay`);
      continue;
    }
    const response = await fetcher(file.url);
    // A CDN failure is thrown: the message is not stored yet, and is fetched again on reconnect.
    if (!response.ok) throw new Error(`could not download ${file.name} from Discord: HTTP ${response.status}`);
    attachments.push({
      name: file.name,
      contentType: file.contentType ?? response.headers.get('content-type') ?? 'application/octet-stream',
      data: new Uint8Array(await response.arrayBuffer()),
    });
  }
  return { attachments, skipped };
}
