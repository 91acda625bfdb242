import type { WaMessage } from '../../../channels/whatsapp-web/index.ts';
import { connectionContract } from '../contract-suite.ts';
import { FakeWhatsApp } from '../../fakes/whatsapp-web/index.ts';
import { startTestSwitchboard } from '../../helpers/switchboard.ts';
import { whatsappWebModule } from './helpers.ts';

// The linked device through the contract every connection holder keeps, driven by the fake
// whatsapp-web.js client (a phone that scans every QR code at once).
let phone: FakeWhatsApp;
let last: WaMessage | undefined;
const customer = '+15550201234';
const messages = new Map<string, WaMessage>();
const wrote = (message: WaMessage) => {
  last = message;
  messages.set(message.id._serialized, message);
  return message.id._serialized;
};

connectionContract({
  channel: 'whatsapp-web',
  module: 'whatsapp-web',
  async setUp() {
    phone = new FakeWhatsApp('15550009999', { autoScan: true });
  },
  async tearDown() {},
  start: async (db) => startTestSwitchboard({ db, instance: 'contract', extraChannelModules: [await whatsappWebModule(phone, 'contract')] }),
  deliver: (text) => wrote(phone.customerWrites({ from: customer, body: text })),
  edit: (id, text) => phone.edit(messages.get(id)!, text),
  remove: (id) => phone.revoke(messages.get(id)!),
  // A status broadcast: WhatsApp delivers it, and it is nobody's support request.
  deliverUnknown: () => void phone.customerWrites({ from: 'status@broadcast', body: 'my holiday pictures', isStatus: true }),
  redeliverLast: () => phone.redeliver(last!),
  received: () => phone.sent.map((s) => (typeof s.content === 'string' ? s.content : (s.options?.caption ?? ''))),
  // The phone unlinks the device; linking it again is scanning the next QR code.
  refusal: 'session-lost',
  async refuseToken(refuse) {
    phone.autoScan = !refuse;
    if (refuse) phone.disconnect('LOGOUT');
    else if (phone.waiting) await phone.scan();
  },
});
