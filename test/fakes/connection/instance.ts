/**
 * One Switchboard process with the fake connection channel, for tests that kill a holder:
 * `node test/fakes/connection/instance.ts` with the usual variables plus FAKE_PLATFORM_URL,
 * FAKE_PLATFORM_TOKEN and SWITCHBOARD_INSTANCE. Stops on SIGTERM; SIGKILL is the point.
 */
import { startSwitchboard } from '../../../src/app.ts';
import type { ChannelModule } from '../../../src/channels/contract.ts';
import { loadConfig } from '../../../src/config.ts';
import { fakeConnectionModule } from './channel.ts';

const app = await startSwitchboard({
  config: loadConfig(process.env),
  instance: process.env.SWITCHBOARD_INSTANCE ?? 'child',
  extraChannelModules: [
    { module: fakeConnectionModule as ChannelModule<never>, config: { url: process.env.FAKE_PLATFORM_URL!, token: process.env.FAKE_PLATFORM_TOKEN!, pollTimeoutSeconds: 1 } },
  ],
});
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
