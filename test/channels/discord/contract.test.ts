import type { APIUser } from 'discord-api-types/v10';
import { startDiscordEmulator, type DiscordEmulator } from '../../fakes/discord/index.ts';
import { startTestSwitchboard } from '../../helpers/switchboard.ts';
import { connectionContract } from '../contract-suite.ts';
import { botOnline, discordEnv } from './helpers.ts';

let discord: DiscordEmulator;
let customer: APIUser;
let dm: string;

connectionContract({
  channel: 'discord',
  module: 'discord',
  async setUp() {
    discord = await startDiscordEmulator();
    customer = discord.customer('contract_customer', 'Contract Customer');
    dm = discord.dm(customer);
  },
  tearDown: () => discord.close(),
  async start(db) {
    const app = await startTestSwitchboard({ db, env: discordEnv(discord) });
    await botOnline(discord);
    return app;
  },
  deliver: (text) => discord.write(dm, customer, text).id,
  edit: (id, text) => discord.edit(dm, id, text),
  remove: (id) => discord.remove(dm, id),
  deliverUnknown: (id) => discord.react(dm, id, customer),
  redeliverLast: () => discord.gateway.redeliverLast(),
  received: () => discord.sent.filter((m) => m.channelId === dm).map((m) => m.content),
  refuseToken: (refuse) => discord.refuseToken(refuse),
});
