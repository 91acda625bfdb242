import type { DiscordEmulator } from '../../fakes/discord/index.ts';

/** The variables that switch the Discord channel on against the emulator. */
export function discordEnv(discord: DiscordEmulator, options: { support?: boolean } = {}): Record<string, string> {
  return {
    DISCORD_BOT_TOKEN: discord.token,
    DISCORD_API_URL: discord.url,
    ...(options.support === false ? {} : { DISCORD_SUPPORT_CHANNEL_ID: discord.supportChannelId }),
  };
}

/**
 * Waits until the bot is online (identified or resumed on the emulator's gateway): Discord keeps
 * no events for a bot that is offline, and a DM channel the bot has never seen cannot be caught
 * up later, so a test's customer writes once someone is listening.
 */
export async function botOnline(discord: DiscordEmulator): Promise<void> {
  const until = Date.now() + 15_000;
  while (!discord.gateway.connected) {
    if (Date.now() > until) throw new Error('the bot did not connect to the emulated gateway in 15 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
