/** What the Telegram tests share: the environment an admin would write, and customers. */
import type { Update } from 'telegraf/types';
import type { TelegramEmulator } from '../../fakes/telegram/index.ts';
import type { Customer } from '../../fakes/telegram/updates.ts';

export const PUBLIC_BASE_URL = 'https://desk.example.com';
export const WEBHOOK_SECRET = 'telegram-webhook-secret-0123456789';

/** The variables for webhook mode (with PUBLIC_BASE_URL) or, with `polling`, long polling. */
export function telegramEnv(emulator: TelegramEmulator, options: { polling?: boolean; extra?: Record<string, string> } = {}): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: emulator.token,
    TELEGRAM_API_URL: emulator.url,
    ...(options.polling ? {} : { TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, PUBLIC_BASE_URL }),
    ...options.extra,
  };
}

let n = 0;
/** A new customer: their private chat's id is their user id. */
export function newCustomer(name = 'Ana Lima'): Customer {
  const [first_name, last_name] = name.split(' ');
  return { id: 700_000_000 + process.pid * 100 + ++n, first_name: first_name!, ...(last_name ? { last_name } : {}) };
}

/** Waits until the app has registered its webhook with the emulator. */
export async function webhookRegistered(emulator: TelegramEmulator): Promise<void> {
  const until = Date.now() + 15_000;
  while (emulator.webhook?.url !== `${PUBLIC_BASE_URL}/webhooks/telegram`) {
    if (Date.now() > until) throw new Error(`no webhook registered after 15 s (${emulator.webhook?.url ?? 'none'})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The platform id the adapter stores for a message in an update. */
export function idOf(update: Update): string {
  const message = 'message' in update ? update.message : 'edited_message' in update ? update.edited_message : undefined;
  if (!message) throw new Error('not a message update');
  return `${message.chat.id}:${message.message_id}`;
}
