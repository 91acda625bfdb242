/**
 * Webhook mode: Telegram posts each update to us, with the secret we registered in
 * X-Telegram-Bot-Api-Secret-Token, and delivers it again until we answer 2xx
 * (https://core.telegram.org/bots/api#setwebhook). We answer only after commit.
 */
import { ChannelInputError, type Sink } from '../../src/channels/contract.ts';
import { readBody } from '../../src/shared/http.ts';
import { verifyTelegramSecret } from './inbound.ts';
import { telegramUpdateProblem } from './shape.ts';
import { TELEGRAM_UPDATE_TYPES, type Update } from './types.ts';
import { handleTelegramUpdate, type TelegramUpdateContext } from './updates.ts';

/** Where Telegram posts updates in webhook mode. */
export const TELEGRAM_WEBHOOK_PATH = '/webhooks/telegram';
/** An update is a message and its metadata; anything far larger is not Telegram. */
const MAX_UPDATE_BYTES = 1024 * 1024;

/**
 * Handles `POST /webhooks/telegram`. Throws ChannelAuthError for a missing (401) or wrong (403)
 * secret before reading anything, ChannelInputError for a body that is not an update; answers
 * 500 when it could not be stored, so Telegram delivers it again.
 */
export async function handleTelegramWebhook(request: Request, sink: Sink, context: TelegramUpdateContext): Promise<Response> {
  if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });
  verifyTelegramSecret(context.config.webhookSecret, request.headers.get('x-telegram-bot-api-secret-token'));
  let update: Update;
  try {
    update = JSON.parse(new TextDecoder().decode(await readBody(request, MAX_UPDATE_BYTES))) as Update;
  } catch (error) {
    if (error instanceof ChannelInputError) throw error;
    throw new ChannelInputError('the body is not a Telegram update (JSON)', { status: 400 });
  }
  if (typeof update !== 'object' || update === null || typeof update.update_id !== 'number') {
    throw new ChannelInputError('the body is not a Telegram update (no update_id)', { status: 400 });
  }
  const problem = telegramUpdateProblem(update);
  if (problem) throw new ChannelInputError(`the body is not a Telegram update (${problem})`, { status: 400 });
  try {
    await handleTelegramUpdate(update, sink, context);
  } catch (error) {
    context.deps.logger.error({ channel: 'telegram', update: update.update_id, err: error }, 'telegram update not stored; Telegram will retry');
    return new Response('not stored, retry later', { status: 500 });
  }
  return new Response(null, { status: 200 });
}

/**
 * Registers our webhook (URL, secret, the updates we handle) when the module is built, so
 * Telegram knows where to post before the first customer writes. Retried with backoff while
 * Telegram cannot be reached; a refused token is logged for the operator and not retried.
 * Every instance does it: setWebhook with the same URL and secret is idempotent.
 */
export function registerTelegramWebhook(context: TelegramUpdateContext, options: { attempts?: number; firstDelayMs?: number } = {}): Promise<boolean> {
  const { config, deps, telegram } = context;
  const url = `${config.publicBaseUrl}${TELEGRAM_WEBHOOK_PATH}`;
  const attempts = options.attempts ?? 10;
  const firstDelayMs = options.firstDelayMs ?? 1_000;
  return (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await telegram.setWebhook(url, { secret_token: config.webhookSecret, allowed_updates: [...TELEGRAM_UPDATE_TYPES] });
        deps.logger.info({ channel: 'telegram', url }, 'telegram webhook registered');
        return true;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 401 || code === 404 || attempt >= attempts) {
          const why = code === 401 || code === 404 ? 'Telegram refused the bot token (check TELEGRAM_BOT_TOKEN)' : (error as Error).message;
          deps.logger.error({ channel: 'telegram', url, err: why }, 'telegram webhook not registered');
          return false;
        }
        const delay = Math.min(firstDelayMs * 2 ** (attempt - 1), 60_000);
        deps.logger.warn({ channel: 'telegram', url, attempt, retryInMs: delay, err: (error as Error).message }, 'telegram webhook registration failed; retrying');
        // Unref'd: a stopping instance does not wait for a registration that can wait.
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  })();
}
