/**
 * What the adapter reads of a Discord message, as discord.js hands it over (a `Message` from a
 * gateway event or from GET /channels/{id}/messages). Kept to the fields used, so parsing is a
 * pure function that tests can feed directly.
 * https://discord.com/developers/docs/resources/message#message-object
 */
export interface DiscordMessageView {
  id: string;
  channelId: string;
  /** Message type: 0 default, 19 reply; everything else is a system message. */
  type: number;
  content: string;
  author: { id: string; bot: boolean; username: string; globalName: string | null };
  /** The sender's name in the guild, when sent in one. */
  memberName?: string | undefined;
  webhookId: string | null;
  createdTimestamp: number;
  editedTimestamp: number | null;
  /** Where it was posted. */
  place: { kind: 'dm' } | { kind: 'guild'; channelId: string; parentId: string | null; thread: boolean };
  attachments: DiscordAttachmentView[];
  stickers: string[];
}

/**
 * A press of one of our buttons, as discord.js hands over the interaction (a ButtonInteraction).
 * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object
 */
export interface DiscordPressView {
  id: string;
  customId: string;
  user: { id: string; bot: boolean };
  /** Where the pressed message is: the DM or the ticket's thread, which is the conversation. */
  channelId: string;
  /** The language of the presser's Discord client (`en-US`, `de`). */
  locale: string | undefined;
}

/** https://discord.com/developers/docs/resources/message#attachment-object */
export interface DiscordAttachmentView {
  id: string;
  name: string;
  url: string;
  size: number;
  contentType: string | null;
}

/** Discord's JSON error codes the adapter acts on (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json). */
export const DISCORD_ERRORS = {
  unknownChannel: 10003,
  unknownMessage: 10008,
  missingAccess: 50001,
  cannotSendToUser: 50007,
  missingPermissions: 50013,
  threadAlreadyCreated: 160004,
} as const;

/** Message types a customer writes (https://discord.com/developers/docs/resources/message#message-object-message-types). */
export const CUSTOMER_MESSAGE_TYPES: ReadonlySet<number> = new Set([0, 19]);
