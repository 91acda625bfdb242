import { startApiReceiver } from '../fakes/api/receiver.ts';
import { startTestSwitchboard, TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { webhookContract } from './contract-suite.ts';

let url = '';
let receiver: Awaited<ReturnType<typeof startApiReceiver>>;
const post = (body: unknown, token = TEST_API_TOKEN) =>
  fetch(`${url}/api/v1/inbound`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

webhookContract({
  channel: 'api',
  async start() {
    receiver = await startApiReceiver(TEST_API_TOKEN);
    const app = await startTestSwitchboard({ env: { API_CHANNEL_WEBHOOK_URL: receiver.url } });
    url = app.url;
    return { app, stop: async () => (await app.close(), await receiver.close()) };
  },
  deliver: (id, text) => post({ id, from: 'contract-customer', text }),
  deliverForged: (id, text) => post({ id, from: 'contract-customer', text }, 'a-forged-token-of-some-length'),
  deliverUnknown: () => post({ kind: 'reaction', emoji: '👍' }),
  unknownStatus: 422,
  received: () => receiver.delivered().map((r) => r.text),
});
