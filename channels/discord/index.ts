/**
 * The Discord adapter: direct messages to the bot and, when configured, a support channel where
 * each message opens a ticket and the first reply opens its thread. Messages arrive over the
 * gateway (held by one instance); replies leave over REST from any instance.
 */
import type { Channel, ChannelDeps, ChannelModule, ChannelSet } from '../../src/channels/contract.ts';
import { parseDiscordSettings, type DiscordConfig } from './config.ts';
import { holdDiscordGateway } from './gateway.ts';
import { DISCORD_CHANNEL } from './inbound.ts';
import { createDiscordRest, DISCORD_MAX_BUTTONS, DISCORD_MAX_FILE_BYTES, DISCORD_MAX_TEXT, sendDiscordReply } from './outbound.ts';

export type { DiscordConfig } from './config.ts';

/** The Discord channel module: settings from DISCORD_* variables, then the discord channel and its gateway. */
export const discordModule: ChannelModule<DiscordConfig> = {
  name: 'discord',
  names: [DISCORD_CHANNEL],
  inbound: () => 'connection',
  settings: parseDiscordSettings,
  create: createDiscordChannel,
};

/** Builds the discord channel (REST sends) and its gateway connection. */
export function createDiscordChannel(config: DiscordConfig, deps: ChannelDeps): ChannelSet {
  const rest = createDiscordRest(config);
  const channel: Channel = {
    name: DISCORD_CHANNEL,
    limits: { maxTextLength: DISCORD_MAX_TEXT, maxAttachmentBytes: DISCORD_MAX_FILE_BYTES, maxChoices: DISCORD_MAX_BUTTONS },
    send: (message) => sendDiscordReply(rest, message, config.supportChannelId),
  };
  return {
    channels: [channel],
    inbound: { kind: 'connection', start: (sink, signal) => holdDiscordGateway(config, deps, sink, signal) },
  };
}
