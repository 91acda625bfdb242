/**
 * The fields of an update the adapter reads, with the Bot API's types
 * (https://core.telegram.org/bots/api#update). Telegram itself always sends them so; a webhook
 * body that carries the secret but not this shape is refused with 400 rather than failing
 * half-way through as a 500 Telegram would redeliver for ever. Fields we do not read pass.
 */
import { z } from 'zod';

const int = z.number().int();
const user = z.looseObject({
  id: int,
  is_bot: z.boolean(),
  first_name: z.string(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
const chat = z.looseObject({ id: int, type: z.string() });
const file = z.looseObject({ file_id: z.string(), file_size: z.number().optional(), file_name: z.string().optional(), mime_type: z.string().optional() });
const entity = z.looseObject({ type: z.string(), offset: int, length: int, user: user.optional() });
const message = z.looseObject({
  message_id: int,
  date: int,
  edit_date: int.optional(),
  chat,
  from: user.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  entities: z.array(entity).optional(),
  caption_entities: z.array(entity).optional(),
  photo: z.array(file.extend({ width: z.number(), height: z.number() })).optional(),
  document: file.optional(),
  voice: file.optional(),
  audio: file.optional(),
  video: file.optional(),
  video_note: file.optional(),
  sticker: z.looseObject({ emoji: z.string().optional() }).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
  contact: z.looseObject({ phone_number: z.string(), first_name: z.string(), last_name: z.string().optional() }).optional(),
  reply_to_message: z.looseObject({ from: z.looseObject({ id: int }).optional() }).optional(),
});
const update = z.looseObject({
  update_id: int,
  message: message.optional(),
  edited_message: message.optional(),
  callback_query: z.looseObject({ id: z.string(), from: user, data: z.string().optional(), message: z.looseObject({ message_id: int, chat }).optional() }).optional(),
});

/** Undefined when `value` has the shape of an update; else the first wrong field, for the 400. */
export function telegramUpdateProblem(value: unknown): string | undefined {
  const parsed = update.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || 'body'}: ${issue.message}`;
}
