import { accessSync, constants } from 'node:fs';
import type { ChannelSettings } from '../../src/channels/contract.ts';
import type { EnvReader } from '../../src/shared/env.ts';

/** Everything the WhatsApp linked-device adapter needs, parsed once at start-up. */
export interface WhatsAppWebConfig {
  /** The Chromium (or Chrome) the session runs in. */
  chromiumPath: string;
  /** Whether group chats open tickets (WHATSAPP_WEB_GROUPS); by default they are ignored. */
  groups: boolean;
  /** Replies per second to one chat (WHATSAPP_WEB_CHAT_RATE). */
  chatRate: number;
  /** Replies per second over all chats (WHATSAPP_WEB_SEND_RATE). */
  sendRate: number;
  /** Where the browser profile lives while the session runs (it is kept in Postgres). */
  dataPath: string;
}

/** Where Debian, Ubuntu, Fedora and Alpine put Chromium, then Google Chrome. */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
// WhatsApp bans numbers that burst. Unofficial guidance is a few seconds between messages to
// one chat and no more than a few a second in all: one every 4 s per chat, 2 a second in all.
const DEFAULT_CHAT_RATE = 0.25;
const DEFAULT_SEND_RATE = 2;

/** The first of `candidates` that exists and can be run; `find` is swapped in tests. */
export function findChromium(candidates: readonly string[] = CHROMIUM_CANDIDATES, runnable: (path: string) => boolean = isRunnable): string | undefined {
  return candidates.find(runnable);
}

function isRunnable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the WHATSAPP_WEB_* variables: on when WHATSAPP_WEB_ENABLED is true. Without a Chromium
 * (CHROMIUM_PATH unset and none where the system puts it, or CHROMIUM_PATH not runnable) the
 * channel stays off, saying so, and the rest of Switchboard runs.
 */
export function parseWhatsAppWebSettings(env: EnvReader, options: { dataDir?: string; find?: (path: string) => boolean } = {}): ChannelSettings<WhatsAppWebConfig> {
  const before = env.problems.length;
  const enabled = env.boolean('WHATSAPP_WEB_ENABLED') ?? false;
  const groups = env.boolean('WHATSAPP_WEB_GROUPS') ?? false;
  const chatRate = env.number('WHATSAPP_WEB_CHAT_RATE', { fallback: DEFAULT_CHAT_RATE, positive: true, max: 10 });
  const sendRate = env.number('WHATSAPP_WEB_SEND_RATE', { fallback: DEFAULT_SEND_RATE, positive: true, max: 50 });
  const configured = env.text('CHROMIUM_PATH');
  if (!enabled) return { enabled: false, missing: ['WHATSAPP_WEB_ENABLED'] };
  if (env.problems.length > before) return { enabled: false, missing: [] };
  const chromiumPath = configured ? findChromium([configured], options.find) : findChromium(undefined, options.find);
  if (!chromiumPath) {
    return {
      enabled: false,
      missing: ['CHROMIUM_PATH'],
      reason: configured
        ? `CHROMIUM_PATH=${configured} is not a program that can be run`
        : `no Chromium found (looked in ${CHROMIUM_CANDIDATES.join(', ')}): install it from the system's packages (apt install chromium) or set CHROMIUM_PATH`,
    };
  }
  return {
    enabled: true,
    config: { chromiumPath, groups, chatRate, sendRate, dataPath: `${options.dataDir ?? env.text('DATA_DIR') ?? './.data'}/whatsapp-web` },
  };
}
