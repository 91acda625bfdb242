import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../../fakes/discord/index.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../../helpers/switchboard.ts';
import { botOnline, discordEnv } from './helpers.ts';

let discord: DiscordEmulator;
let app: TestSwitchboard;

beforeAll(async () => {
  // GET /gateway/bot names a gateway nobody listens on: only DISCORD_GATEWAY_URL gets the bot online.
  discord = await startDiscordEmulator({ advertisedGatewayUrl: 'ws://127.0.0.1:9/unreachable' });
  app = await startTestSwitchboard({ env: { ...discordEnv(discord), DISCORD_GATEWAY_URL: discord.gatewayUrl } });
  await botOnline(discord);
});
afterAll(async () => {
  await app?.close();
  await discord?.close();
});

it('connects to DISCORD_GATEWAY_URL instead of the gateway Discord names, uncompressed JSON with the intents it needs', async () => {
  const customer = discord.customer('gus');
  const message = discord.write(discord.dm(customer), customer, 'through the configured gateway');
  await expect.poll(async () => (await app.db.sql`select 1 from messages where channel = 'discord' and external_id = ${message.id}`).length, { timeout: 15_000 }).toBe(1);
  expect(discord.gateway.connectUrls.every((search) => !search.includes('compress'))).toBe(true);
  // Guilds (1), GuildMessages (512), DirectMessages (4096), MessageContent (32768).
  expect(discord.gateway.identified[0]).toEqual({ intents: 1 | 512 | 4096 | 32768, compress: false });
});
