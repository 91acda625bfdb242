/**
 * Raw Telegram Bot API payloads. telegraf ships the Bot API's own types (typegram), which are
 * the reference; these re-export what the adapter reads and add the envelope of an answer.
 * https://core.telegram.org/bots/api#available-types
 */
import type { CallbackQuery, Message, Update, User } from 'telegraf/types';

export type { CallbackQuery, Message, Update, User };

/**
 * The update kinds the adapter handles; setWebhook and getUpdates ask for these only.
 * `callback_query`: a press of an inline keyboard button we sent (a survey's score).
 */
export const TELEGRAM_UPDATE_TYPES = ['message', 'edited_message', 'callback_query'] as const;

/**
 * A message as it arrives in `message` or `edited_message`, read field by field: typegram
 * models each kind (text, photo, sticker…) as its own type, and one message is exactly one.
 */
export type TelegramMessage = Message.ServiceMessage &
  Partial<
    Omit<Message.TextMessage, keyof Message.ServiceMessage> &
      Omit<Message.PhotoMessage, keyof Message.ServiceMessage> &
      Omit<Message.DocumentMessage, keyof Message.ServiceMessage> &
      Omit<Message.VoiceMessage, keyof Message.ServiceMessage> &
      Omit<Message.VideoMessage, keyof Message.ServiceMessage> &
      Omit<Message.AudioMessage, keyof Message.ServiceMessage> &
      Omit<Message.VideoNoteMessage, keyof Message.ServiceMessage> &
      Omit<Message.StickerMessage, keyof Message.ServiceMessage> &
      Omit<Message.LocationMessage, keyof Message.ServiceMessage> &
      Omit<Message.ContactMessage, keyof Message.ServiceMessage>
  >;

/** A file a message carries, before it is fetched with getFile. */
export interface TelegramFileRef {
  fileId: string;
  name: string;
  contentType: string;
  /** As Telegram reports it; files over 20 MB cannot be downloaded by bots. */
  size?: number;
}
