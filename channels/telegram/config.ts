import { createHash } from 'node:crypto';
import type { ChannelSettings } from '../../src/channels/contract.ts';
import type { EnvReader } from '../../src/shared/env.ts';

/** Everything the Telegram adapter needs, parsed once at start-up from the environment. */
export interface TelegramConfig {
  /** The token BotFather gave: `<bot id>:<secret>`. */
  token: string;
  /** The bot's own user id: the token's first part. */
  botId: number;
  /** The Bot API root, `https://api.telegram.org` unless pointed elsewhere (an emulator, a local Bot API server). */
  apiUrl: string;
  /**
   * Set: webhook mode, Telegram posts to `${publicBaseUrl}/webhooks/telegram`. Unset: long
   * polling, held by one instance.
   */
  publicBaseUrl?: string;
  /** The secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (webhook mode). */
  webhookSecret: string;
  /** Whether group chats are served (then only messages mentioning the bot or replying to it). */
  groups: boolean;
  /** Seconds one getUpdates call waits for an update (long polling). */
  pollTimeoutSeconds: number;
}

// https://core.telegram.org/bots/features#botfather: `123456789:AAF…`.
const TOKEN = /^(\d{1,20}):[A-Za-z0-9_-]{20,}$/;
// setWebhook's secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and - only
// (https://core.telegram.org/bots/api#setwebhook).
const SECRET = /^[A-Za-z0-9_-]{1,256}$/;
/** Long enough that an idle bot makes a request a minute at most, well under proxies' idle timeouts. */
const POLL_TIMEOUT_SECONDS = 25;

/**
 * Reads the Telegram variables: on when TELEGRAM_BOT_TOKEN is set. Present-but-invalid values
 * are problems recorded on the reader, and keep Telegram off.
 */
export function parseTelegramSettings(env: EnvReader): ChannelSettings<TelegramConfig> {
  const before = env.problems.length;
  const token = env.text('TELEGRAM_BOT_TOKEN');
  const match = token ? TOKEN.exec(token) : null;
  if (token && !match) env.problem('TELEGRAM_BOT_TOKEN', 'must be the token BotFather gave, like 123456789:AAF… (digits, a colon, then the secret)');
  const apiUrl = env.url('TELEGRAM_API_URL') ?? 'https://api.telegram.org';
  const secret = env.text('TELEGRAM_WEBHOOK_SECRET');
  if (secret && !SECRET.test(secret)) env.problem('TELEGRAM_WEBHOOK_SECRET', 'must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram\'s rule)');
  const groups = env.boolean('TELEGRAM_GROUPS') ?? false;
  const publicBaseUrl = env.url('PUBLIC_BASE_URL');

  if (!token) return { enabled: false, missing: ['TELEGRAM_BOT_TOKEN'] };
  if (env.problems.length > before || !match) return { enabled: false, missing: [] };
  return {
    enabled: true,
    config: {
      token,
      botId: Number(match[1]),
      apiUrl,
      ...(publicBaseUrl ? { publicBaseUrl } : {}),
      // Unset, it is derived from the token: the same on every instance, never the token itself.
      webhookSecret: secret ?? createHash('sha256').update(`switchboard:telegram-webhook:${token}`).digest('hex'),
      groups,
      pollTimeoutSeconds: POLL_TIMEOUT_SECONDS,
    },
  };
}
