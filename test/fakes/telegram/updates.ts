/**
 * Building updates exactly as the Bot API delivers them (typegram's types are the reference):
 * message ids counted per chat, update ids counted per bot.
 */
import type { Chat, Message, MessageEntity, PhotoSize, Update, User } from 'telegraf/types';

export interface Customer {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  is_bot?: boolean;
  /** The language of the user's Telegram app (`en` unless told). */
  language_code?: string;
}

export interface MessageInput {
  from: Customer;
  /** The chat; the customer's private chat (its id is theirs) unless a group is given. */
  chat?: { id: number; type: 'group' | 'supergroup'; title: string } | { id: number; type: 'channel'; title: string };
  text?: string;
  caption?: string;
  entities?: MessageEntity[];
  /** File ids the emulator holds (see `addFile`). */
  photo?: { fileId: string; sizes?: number }[] | string;
  document?: { fileId: string; name: string; mimeType: string };
  voice?: { fileId: string; duration?: number };
  video?: { fileId: string; duration?: number };
  sticker?: { fileId: string; emoji?: string };
  /** The message replies to this one (for example one of the bot's). */
  replyTo?: Message;
  date?: number;
  /** Further message fields as the Bot API names them (`dice`, `new_chat_members`, `location`…). */
  extra?: Record<string, unknown>;
}

export function userOf(customer: Customer): User {
  return { id: customer.id, is_bot: customer.is_bot ?? false, first_name: customer.first_name, ...(customer.last_name ? { last_name: customer.last_name } : {}), ...(customer.username ? { username: customer.username } : {}), language_code: customer.language_code ?? 'en' };
}

export function chatOf(input: MessageInput): Chat {
  if (input.chat) return input.chat as Chat;
  return { id: input.from.id, type: 'private', first_name: input.from.first_name, ...(input.from.last_name ? { last_name: input.from.last_name } : {}), ...(input.from.username ? { username: input.from.username } : {}) } as Chat;
}

/** The message object of an update; `fileSize(id)` tells the size of a stored file. */
export function messageOf(input: MessageInput, messageId: number, fileSize: (fileId: string) => number): Message {
  const m: Record<string, unknown> = {
    message_id: messageId,
    from: userOf(input.from),
    chat: chatOf(input),
    date: input.date ?? Math.floor(Date.now() / 1000),
  };
  if (input.text !== undefined) m.text = input.text;
  if (input.entities) m[input.text !== undefined ? 'entities' : 'caption_entities'] = input.entities;
  if (input.caption !== undefined) m.caption = input.caption;
  if (input.replyTo) m.reply_to_message = input.replyTo;
  if (input.photo) {
    // Telegram sends every size it made, smallest first.
    const fileId = typeof input.photo === 'string' ? input.photo : input.photo[0]!.fileId;
    const full = fileSize(fileId);
    const sizes: PhotoSize[] = [
      { file_id: `${fileId}-thumb`, file_unique_id: `${fileId}-t`, width: 90, height: 67, file_size: Math.min(full, 1_000) },
      { file_id: `${fileId}-medium`, file_unique_id: `${fileId}-m`, width: 320, height: 240, file_size: Math.min(full, 2_000) },
      { file_id: fileId, file_unique_id: `${fileId}-u`, width: 1280, height: 960, file_size: full },
    ];
    m.photo = sizes;
  }
  if (input.document) m.document = { file_id: input.document.fileId, file_unique_id: `${input.document.fileId}-u`, file_name: input.document.name, mime_type: input.document.mimeType, file_size: fileSize(input.document.fileId) };
  if (input.voice) m.voice = { file_id: input.voice.fileId, file_unique_id: `${input.voice.fileId}-u`, duration: input.voice.duration ?? 3, mime_type: 'audio/ogg', file_size: fileSize(input.voice.fileId) };
  if (input.video) m.video = { file_id: input.video.fileId, file_unique_id: `${input.video.fileId}-u`, width: 640, height: 480, duration: input.video.duration ?? 5, mime_type: 'video/mp4', file_size: fileSize(input.video.fileId) };
  if (input.sticker) m.sticker = { file_id: input.sticker.fileId, file_unique_id: `${input.sticker.fileId}-u`, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, ...(input.sticker.emoji ? { emoji: input.sticker.emoji } : {}) };
  Object.assign(m, input.extra);
  return m as unknown as Message;
}

export type { Update };
