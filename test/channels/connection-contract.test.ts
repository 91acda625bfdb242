import type { ChannelModule } from '../../src/channels/contract.ts';
import { FAKE_CHANNEL, fakeConnectionModule } from '../fakes/connection/channel.ts';
import { startConnectionPlatform, type ConnectionPlatform } from '../fakes/connection/platform.ts';
import { startTestSwitchboard } from '../helpers/switchboard.ts';
import { connectionContract } from './contract-suite.ts';

let platform: ConnectionPlatform;
const CHAT = 'contract-chat';

connectionContract({
  channel: FAKE_CHANNEL,
  module: fakeConnectionModule.name,
  async setUp() {
    platform = await startConnectionPlatform();
  },
  tearDown: () => platform.close(),
  start: (db) =>
    startTestSwitchboard({
      db,
      extraChannelModules: [{ module: fakeConnectionModule as ChannelModule<never>, config: { url: platform.url, token: platform.token, pollTimeoutSeconds: 1 } }],
    }),
  deliver: (text) => platform.customerWrites({ chat: CHAT, from: 'contract-customer', text }),
  edit: (id, text) => platform.customerEdits(id, text),
  remove: (id) => platform.customerDeletes(id),
  deliverUnknown: (id) => platform.customerReacts(id),
  redeliverLast: () => platform.redeliver(platform.updates.at(-1)!.update_id),
  received: () => platform.sent.filter((m) => m.chat === CHAT).map((m) => m.text),
  refuseToken: (refuse) => platform.refuseToken(refuse),
});
