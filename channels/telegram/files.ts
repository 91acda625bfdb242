/**
 * Fetching the files of an incoming message: getFile gives a path, valid for at least an hour,
 * under `<api root>/file/bot<token>/` (https://core.telegram.org/bots/api#getfile).
 */
import { TelegramError, type Telegram } from 'telegraf';
import type { InboundAttachment } from '../../src/channels/contract.ts';
import type { TelegramFileRef } from './types.ts';

/** Bots can download files of up to 20 MB; getFile refuses larger ones ("file is too big"). */
export const TELEGRAM_DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024;

export interface TelegramDownloads {
  attachments: InboundAttachment[];
  /** A line for the agent per file that cannot be fetched, ever. */
  skipped: string[];
}

/**
 * Downloads each file. A file Telegram will never hand out (too big, gone) leaves a line for the
 * agent; anything else (a network error, a 5xx) throws, so the update is delivered again.
 */
export async function downloadTelegramFiles(
  refs: readonly TelegramFileRef[],
  context: { telegram: Telegram; apiUrl: string; token: string; fetch: typeof fetch },
): Promise<TelegramDownloads> {
  const attachments: InboundAttachment[] = [];
  const skipped: string[] = [];
  for (const ref of refs) {
    if (ref.size !== undefined && ref.size > TELEGRAM_DOWNLOAD_MAX_BYTES) {
      skipped.push(`${ref.name} (${Math.round(ref.size / 1024 / 1024)} MB) is larger than the 20 MB bots may download`);
      continue;
    }
    let path: string | undefined;
    try {
      path = (await context.telegram.getFile(ref.fileId)).file_path;
    } catch (error) {
      if (error instanceof TelegramError && error.code === 400) {
        skipped.push(`${ref.name} could not be fetched from Telegram: ${error.description}`);
        continue;
      }
      throw error;
    }
    if (!path) {
      skipped.push(`${ref.name} could not be fetched from Telegram: no file path`);
      continue;
    }
    const response = await context.fetch(`${context.apiUrl}/file/bot${context.token}/${path}`);
    if (response.status === 404) {
      skipped.push(`${ref.name} is no longer on Telegram`);
      continue;
    }
    if (!response.ok) throw new Error(`Telegram file download answered HTTP ${response.status}`);
    attachments.push({ name: ref.name, contentType: ref.contentType, data: new Uint8Array(await response.arrayBuffer()) });
  }
  return { attachments, skipped };
}
