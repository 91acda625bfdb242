import { apiChannel } from '../../channels/api/index.ts';
import { twilioModule } from '../../channels/twilio/index.ts';
import type { ConfigProblem } from '../errors.ts';
import type { Channel, ChannelDeps, ChannelModule, ChannelName, ChannelSettings } from './contract.ts';

/**
 * The one place the core meets the adapters under channels/. Adding a platform is adding its
 * module here.
 */
const MODULES: readonly ChannelModule<never>[] = [apiChannel, twilioModule] as ChannelModule<never>[];

export interface ChannelSettingsEntry {
  module: ChannelModule<unknown>;
  settings: ChannelSettings<unknown>;
}

/** Parses every module's variables; problems name the variable. */
export function channelSettings(env: Readonly<Record<string, string | undefined>>): {
  entries: ChannelSettingsEntry[];
  problems: ConfigProblem[];
} {
  const entries: ChannelSettingsEntry[] = [];
  const problems: ConfigProblem[] = [];
  for (const module of MODULES as readonly ChannelModule<unknown>[]) {
    const result = module.settings(env);
    entries.push({ module, settings: result.settings });
    problems.push(...result.problems);
  }
  return { entries, problems };
}

/** One line per channel for the start-up log: on, or off and which variables are missing. */
export function describeChannels(entries: readonly ChannelSettingsEntry[]): { channel: ChannelName; on: boolean; missing: string[] }[] {
  return entries.flatMap(({ module, settings }) => {
    if (!settings.enabled) return module.names.map((channel) => ({ channel, on: false, missing: settings.missing }));
    const off = new Map((settings.off ?? []).map((o) => [o.channel, o.missing]));
    return module.names.map((channel) => ({ channel, on: !off.has(channel), missing: off.get(channel) ?? [] }));
  });
}

/** Builds the enabled channels. */
export function createChannels(entries: readonly ChannelSettingsEntry[], deps: ChannelDeps): Map<ChannelName, Channel> {
  const channels = new Map<ChannelName, Channel>();
  for (const { module, settings } of entries) {
    if (!settings.enabled) continue;
    for (const channel of module.create(settings.config, deps)) channels.set(channel.name, channel);
  }
  return channels;
}
