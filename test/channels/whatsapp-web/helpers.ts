import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWhatsAppWebModule, type WhatsAppWebConfig } from '../../../channels/whatsapp-web/index.ts';
import type { ChannelModule } from '../../../src/channels/contract.ts';
import type { FakeWhatsApp } from '../../fakes/whatsapp-web/index.ts';

/** Settings for tests: fast pacing, a throw-away browser data directory, no real Chromium needed. */
export async function whatsappWebConfig(overrides: Partial<WhatsAppWebConfig> = {}): Promise<WhatsAppWebConfig> {
  return {
    chromiumPath: '/usr/bin/chromium',
    groups: false,
    chatRate: 20,
    sendRate: 50,
    dataPath: await mkdtemp(path.join(tmpdir(), 'switchboard-wa-')),
    ...overrides,
  };
}

/** What a test instance prints to its terminal. */
export function terminal() {
  const lines: string[] = [];
  return { lines, write: (text: string) => lines.push(text), text: () => lines.join('') };
}

/**
 * The real whatsapp-web module with the fake client: `extraChannelModules` for one instance,
 * which replaces the registry's module of the same name.
 */
export async function whatsappWebModule(
  phone: FakeWhatsApp,
  instance: string,
  options: { config?: Partial<WhatsAppWebConfig>; terminal?: ReturnType<typeof terminal> } = {},
): Promise<{ module: ChannelModule<never>; config: WhatsAppWebConfig }> {
  const module = createWhatsAppWebModule(phone.factory(instance), options.terminal ?? terminal());
  return { module: module as unknown as ChannelModule<never>, config: await whatsappWebConfig(options.config) };
}
