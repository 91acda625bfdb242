/**
 * Long-polling mode (no public URL): getUpdates held by one instance at a time. The offset is
 * kept in the module's state so whichever instance holds it next resumes where the last one
 * stopped; Telegram keeps an update until a getUpdates with a higher offset confirms it
 * (https://core.telegram.org/bots/api#getupdates), so one lost mid-way is delivered again and
 * stored once (its platform id is the idempotency key).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { TelegramError } from 'telegraf';
import type { Sink } from '../../src/channels/contract.ts';
import { TELEGRAM_UPDATE_TYPES, type Update } from './types.ts';
import { handleTelegramUpdate, type TelegramUpdateContext } from './updates.ts';

const OFFSET_KEY = 'offset';
/** Waits between failed polls while Telegram cannot be reached, before the runner's own backoff takes over. */
const RETRY_MS = [1_000, 2_000, 5_000, 10_000];

/** Holds the long poll until `signal` aborts; rejects for the runner to restart it (with backoff). */
export async function pollTelegram(sink: Sink, signal: AbortSignal, context: TelegramUpdateContext): Promise<void> {
  const { deps, telegram, config } = context;
  deps.report({ state: 'connecting', detail: 'long polling' });
  // getUpdates is refused (409) while a webhook is set: a bot that ran in webhook mode before
  // keeps its webhook until it is deleted. Pending updates are kept, not dropped.
  await guard(() => telegram.deleteWebhook({ drop_pending_updates: false }), context);
  let offset = (await deps.state.get<number>(OFFSET_KEY)) ?? undefined;
  deps.report({ state: 'connected', detail: 'long polling' });
  let failures = 0;
  while (!signal.aborted) {
    let updates: Update[];
    try {
      updates = await telegram.callApi(
        'getUpdates',
        { timeout: config.pollTimeoutSeconds, ...(offset !== undefined ? { offset } : {}), allowed_updates: [...TELEGRAM_UPDATE_TYPES] },
        // telegraf's signal type is the abort-controller shim's; Node's own is what node-fetch checks.
        { signal: signal as never },
      );
    } catch (error) {
      if (signal.aborted) return;
      const wait = await pollFailure(error, context, failures++);
      await sleep(wait, signal);
      continue;
    }
    if (failures) deps.report({ state: 'connected', detail: 'long polling' });
    failures = 0;
    for (const update of updates) {
      await handleTelegramUpdate(update, sink, context);
      // Stored (or ignored) before it is confirmed: a crash here delivers it again, stored once.
      offset = update.update_id + 1;
      await deps.state.set(OFFSET_KEY, offset);
    }
  }
}

/** How long to wait after a failed poll; throws when only the runner's restart (or an operator) can help. */
async function pollFailure(error: unknown, context: TelegramUpdateContext, failures: number): Promise<number> {
  if (error instanceof TelegramError) {
    if (error.code === 401 || error.code === 404) {
      context.deps.report({ state: 'token-refused', reason: 'Telegram refused the bot token (check TELEGRAM_BOT_TOKEN)' });
      throw error;
    }
    if (error.code === 429) return (error.parameters?.retry_after ?? 1) * 1000;
    if (error.code === 409) {
      // Another getUpdates (a second bot process outside this install) or a webhook set meanwhile.
      context.deps.report({ state: 'reconnecting', reason: `Telegram: ${error.description}` });
      throw error;
    }
  }
  context.deps.report({ state: 'reconnecting', reason: `Telegram unreachable: ${(error as Error).message}` });
  if (failures >= RETRY_MS.length) throw error;
  return RETRY_MS[failures]!;
}

async function guard<T>(call: () => Promise<T>, context: TelegramUpdateContext): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TelegramError && (error.code === 401 || error.code === 404)) {
      context.deps.report({ state: 'token-refused', reason: 'Telegram refused the bot token (check TELEGRAM_BOT_TOKEN)' });
    } else {
      context.deps.report({ state: 'reconnecting', reason: `Telegram unreachable: ${(error as Error).message}` });
    }
    throw error;
  }
}

/** Waits `ms`, or less when `signal` aborts (then the loop ends). */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => {});
}
