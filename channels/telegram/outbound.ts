/**
 * Sending through telegraf's Telegram client: splitting long texts, pacing under Telegram's
 * limits, and mapping its failures onto ChannelSendError.
 */
import { TelegramError } from 'telegraf';
import { ChannelSendError } from '../../src/channels/contract.ts';

/** sendMessage carries 1-4096 characters (https://core.telegram.org/bots/api#sendmessage). */
export const TELEGRAM_MAX_MESSAGE = 4096;

/**
 * Splits a text into messages of at most `max` characters, in order: at a paragraph break
 * when there is one in the second half of the piece, else a line break, else a space, else
 * anywhere but inside a surrogate pair. Nothing is lost: the pieces joined give the text back
 * but for the breaks they were cut at.
 */
export function splitTelegramText(text: string, max = TELEGRAM_MAX_MESSAGE): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const floor = Math.floor(max / 2);
    let cut = -1;
    let skip = 0;
    for (const separator of ['\n\n', '\n', ' ']) {
      const at = window.lastIndexOf(separator);
      if (at >= floor) {
        cut = at;
        skip = separator.length;
        break;
      }
    }
    if (cut < 0) {
      cut = max;
      // Never cut an emoji (a surrogate pair) in two.
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    }
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut + skip);
  }
  if (rest.length || !parts.length) parts.push(rest);
  return parts;
}

/**
 * Telegram's limits for bots: about one message per second in one chat, 30 per second overall
 * (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this). The core
 * paces replies per chat across instances; this paces the messages one reply becomes (a split
 * text, its files) and keeps this instance under the overall limit, so Telegram need not
 * answer 429.
 */
export class TelegramPacer {
  readonly #perChatMs: number;
  readonly #overallMs: number;
  readonly #lastInChat = new Map<string, number>();
  #nextOverall = 0;
  readonly #now: () => number;

  constructor(options: { perChatMs?: number; perSecondOverall?: number; now?: () => number } = {}) {
    // A little over a second: the platform measures between arrivals, we between departures.
    this.#perChatMs = options.perChatMs ?? 1_050;
    this.#overallMs = 1000 / (options.perSecondOverall ?? 28);
    this.#now = options.now ?? Date.now;
  }

  /** Waits until a message may leave for `chat`, and takes that slot. */
  async take(chat: string): Promise<void> {
    const now = this.#now();
    const last = this.#lastInChat.get(chat);
    const at = Math.max(now, last === undefined ? now : last + this.#perChatMs, this.#nextOverall);
    this.#lastInChat.set(chat, at);
    this.#nextOverall = at + this.#overallMs;
    if (this.#lastInChat.size > 10_000) this.#forgetIdle(now);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  #forgetIdle(now: number): void {
    for (const [chat, at] of this.#lastInChat) if (at + this.#perChatMs < now) this.#lastInChat.delete(chat);
  }
}

/**
 * Maps what telegraf throws. The Bot API answers `{ ok: false, error_code, description,
 * parameters }` (https://core.telegram.org/bots/api#making-requests):
 * - 429 carries `parameters.retry_after` in seconds: nothing was sent; wait that long;
 * - 403 is a verdict on this chat ("bot was blocked by the user", "user is deactivated"):
 *   no retry helps, and the reason is shown to the agent;
 * - 400 is a verdict on this request ("chat not found", "message is too long");
 * - 401 (the token refused) and 5xx are retried; so is anything without an answer (a refused
 *   connection, a reset), where a rare duplicate beats a lost reply.
 */
export function toTelegramSendError(error: unknown): ChannelSendError {
  if (!(error instanceof TelegramError)) {
    return new ChannelSendError(`could not reach Telegram: ${(error as Error).message}`, { retryable: true, cause: error });
  }
  const code = error.code;
  const reason = error.description.replace(/^(Forbidden|Bad Request|Unauthorized|Too Many Requests): /, '');
  if (code === 429) {
    const seconds = error.parameters?.retry_after;
    return new ChannelSendError(`Telegram is rate limiting us: ${reason}`, {
      retryable: true,
      rateLimited: true,
      ...(seconds !== undefined ? { retryAfterMs: seconds * 1000 } : {}),
      code: '429',
      cause: error,
    });
  }
  if (code === 401) return new ChannelSendError('Telegram refused the bot token (check TELEGRAM_BOT_TOKEN)', { retryable: true, code: '401', cause: error });
  return new ChannelSendError(reason || `Telegram answered ${code}`, { retryable: code >= 500, code: String(code), cause: error });
}
