import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelModule } from '../../src/channels/contract.ts';
import { FAKE_CHANNEL, fakeConnectionModule } from '../fakes/connection/channel.ts';
import { startConnectionPlatform, type ConnectionPlatform } from '../fakes/connection/platform.ts';
import { slashTicket, startSlackDesk, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
let platform: ConnectionPlatform;
beforeAll(async () => {
  platform = await startConnectionPlatform();
  desk = await startSlackDesk({
    switchboard: {
      instance: 'desk-1',
      extraChannelModules: [{ module: fakeConnectionModule as ChannelModule<never>, config: { url: platform.url, token: platform.token, pollTimeoutSeconds: 1 } }],
    },
  });
});
afterAll(async () => {
  await desk?.close();
  await platform?.close();
});

const stateOf = async () => (await desk.app.database.sql<{ state: string }[]>`select state from channel_connections where module = ${FAKE_CHANNEL}`)[0]?.state;
const lineOf = (answer: string, channel: string) => answer.split('\n').find((l) => l.includes(`*${channel}*`));

describe('/ticket channels', () => {
  it('shows each channel with its way in, state and since when, the holding instance and the last message', async () => {
    await expect.poll(stateOf, { timeout: 15_000 }).toBe('connected');
    const before = await slashTicket(desk, 'channels');
    expect(before.split('\n')[0]).toMatch(/^\*Channels\* \(\d+\):$/);
    expect(lineOf(before, 'api')).toBe('• :large_green_circle: *api* · webhooks · no messages yet');
    expect(lineOf(before, FAKE_CHANNEL)).toMatch(/^• :large_green_circle: \*fakechat\* · connection · connected since <!date\^\d+\^[^|]+\|[^>]+> · held by `desk-1` · no messages yet$/);

    await desk.write('ada@example.com', 'hello over the API');
    platform.customerWrites({ chat: 'chat-1', from: 'cleo', text: 'hello over the connection' });
    await expect.poll(async () => lineOf(await slashTicket(desk, 'channels'), FAKE_CHANNEL), { timeout: 15_000 }).toContain('last message <!date^');
    expect(lineOf(await slashTicket(desk, 'channels'), 'api')).toMatch(/· webhooks · last message <!date\^\d+\^\{ago\}\|/);
  });

  it('shows a connection waiting for a login as such, with its detail', async () => {
    platform.requireLogin('QR-1');
    platform.expireSession();
    await expect.poll(stateOf, { timeout: 15_000 }).toBe('login-required');
    expect(lineOf(await slashTicket(desk, 'channels'), FAKE_CHANNEL)).toMatch(/^• :red_circle: \*fakechat\* · connection · login required: .+ since <!date.* · held by `desk-1` · /);
    platform.scan();
    await expect.poll(stateOf, { timeout: 15_000 }).toBe('connected');
  });

  it('is listed in /ticket help, and refuses arguments with its usage', async () => {
    expect(await slashTicket(desk, 'help')).toContain('`/ticket channels`');
    expect(await slashTicket(desk, 'channels all')).toBe('Usage: `/ticket channels`');
  });
});
