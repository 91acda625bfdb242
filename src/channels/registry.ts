import { apiChannel } from '../../channels/api/index.ts';
import { discordModule } from '../../channels/discord/index.ts';
import { emailModule } from '../../channels/email/index.ts';
import { telegramModule } from '../../channels/telegram/index.ts';
import { twilioModule } from '../../channels/twilio/index.ts';
import { whatsappWebModule } from '../../channels/whatsapp-web/index.ts';
import type { EnvReader } from '../shared/env.ts';
import type { Channel, ChannelDeps, ChannelModule, ChannelName, ChannelSettings, ConnectionInbound, WebhookInbound } from './contract.ts';

/**
 * The one place the core meets the adapters under channels/. Adding a platform is adding its
 * module here.
 */
export const CHANNEL_MODULES: readonly ChannelModule<unknown>[] = [apiChannel, twilioModule, telegramModule, discordModule, emailModule, whatsappWebModule] as ChannelModule<unknown>[];

/** A module's parsed settings, by module name (the configuration holds data, not modules). */
export interface ChannelSettingsEntry {
  readonly module: string;
  readonly settings: ChannelSettings<unknown>;
}

/** Parses every module's variables through the one reader, which collects the problems. */
export function channelSettings(env: EnvReader, modules: readonly ChannelModule<unknown>[] = CHANNEL_MODULES): ChannelSettingsEntry[] {
  return modules.map((module) => ({ module: module.name, settings: module.settings(env) }));
}

/** One line per channel for the start-up log: on, or off and which variables are missing. */
export function describeChannels(
  entries: readonly ChannelSettingsEntry[],
  modules: readonly ChannelModule<unknown>[] = CHANNEL_MODULES,
): { channel: ChannelName; on: boolean; missing: string[]; reason?: string }[] {
  return entries.flatMap(({ module: name, settings }) => {
    const module = modules.find((m) => m.name === name);
    if (!module) return [];
    if (!settings.enabled) return module.names.map((channel) => ({ channel, on: false, missing: settings.missing, ...(settings.reason ? { reason: settings.reason } : {}) }));
    const off = new Map((settings.off ?? []).map((o) => [o.channel, o.missing]));
    return module.names.map((channel) => ({ channel, on: !off.has(channel), missing: off.get(channel) ?? [] }));
  });
}

/** A module built from complete settings: its channels, and the one way its messages arrive. */
export interface BuiltModule {
  module: string;
  channels: Channel[];
  inbound: WebhookInbound | ConnectionInbound;
}

/** What the enabled modules built: every channel by name, and each module's way in. */
export interface ChannelRuntime {
  channels: ReadonlyMap<ChannelName, Channel>;
  modules: readonly BuiltModule[];
}

/**
 * Builds the enabled modules. `depsFor` gives each module its own surroundings (its state
 * store, its condition reports). A channel name claimed twice is a start-up error.
 */
export function createChannels(
  entries: readonly ChannelSettingsEntry[],
  depsFor: (module: string, fenced: boolean) => ChannelDeps,
  modules: readonly ChannelModule<unknown>[] = CHANNEL_MODULES,
): ChannelRuntime {
  const channels = new Map<ChannelName, Channel>();
  const built: BuiltModule[] = [];
  for (const { module: name, settings } of entries) {
    if (!settings.enabled) continue;
    const module = modules.find((m) => m.name === name);
    if (!module) throw new Error(`no channel module is named ${name}`);
    const way = module.inbound(settings.config);
    const set = module.create(settings.config, depsFor(module.name, way === 'connection'));
    if (set.inbound.kind !== way) throw new Error(`channel module ${name} said its messages arrive by ${way}, but built ${set.inbound.kind}`);
    for (const channel of set.channels) {
      if (channels.has(channel.name)) throw new Error(`two channel modules provide the ${channel.name} channel`);
      channels.set(channel.name, channel);
    }
    built.push({ module: module.name, channels: set.channels, inbound: set.inbound });
  }
  return { channels, modules: built };
}
