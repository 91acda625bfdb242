import type { ChannelSettings } from '../../src/channels/contract.ts';
import type { EnvReader } from '../../src/shared/env.ts';

/** Everything the Discord adapter needs, parsed once at start-up from the environment. */
export interface DiscordConfig {
  token: string;
  /** A guild text channel where each new message opens a ticket (DISCORD_SUPPORT_CHANNEL_ID). */
  supportChannelId?: string;
  /** The REST root without the version, `https://discord.com/api` unless pointed elsewhere. */
  apiUrl: string;
  /** The gateway WebSocket URL to use instead of the one GET /gateway/bot names. */
  gatewayUrl?: string;
}

const SNOWFLAKE = /^\d{15,21}$/;

/** Reads the DISCORD_* variables: on when DISCORD_BOT_TOKEN is set. */
export function parseDiscordSettings(env: EnvReader): ChannelSettings<DiscordConfig> {
  const before = env.problems.length;
  const token = env.text('DISCORD_BOT_TOKEN')?.replace(/^Bot\s+/i, '');
  if (token && /\s/.test(token)) env.problem('DISCORD_BOT_TOKEN', 'must not contain spaces');
  const supportChannelId = env.text('DISCORD_SUPPORT_CHANNEL_ID');
  if (supportChannelId && !SNOWFLAKE.test(supportChannelId)) {
    env.problem('DISCORD_SUPPORT_CHANNEL_ID', 'must be a channel id (a number; Developer Mode → right-click the channel → Copy Channel ID)');
  }
  const apiUrl = env.url('DISCORD_API_URL') ?? 'https://discord.com/api';
  const gatewayUrl = env.url('DISCORD_GATEWAY_URL', ['ws:', 'wss:']);
  if (!token) return { enabled: false, missing: ['DISCORD_BOT_TOKEN'] };
  if (env.problems.length > before) return { enabled: false, missing: [] };
  return {
    enabled: true,
    config: { token, apiUrl, ...(supportChannelId ? { supportChannelId } : {}), ...(gatewayUrl ? { gatewayUrl } : {}) },
  };
}
