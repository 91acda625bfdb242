import { startTwilioEmulator, type TwilioEmulator } from '../../fakes/twilio/index.ts';
import { startTestSwitchboard } from '../../helpers/switchboard.ts';
import { webhookContract } from '../contract-suite.ts';
import { PUBLIC_BASE_URL, SMS_NUMBERS, twilioEnv } from './helpers.ts';

const CUSTOMER = '+15557770001';
const INBOUND = `${PUBLIC_BASE_URL}/webhooks/twilio`;
let twilio: TwilioEmulator;
let appUrl = '';
const sms = (id: string, text: string) => twilio.inboundSms({ from: CUSTOMER, to: SMS_NUMBERS[0]!, body: text, sid: id });

webhookContract({
  channel: 'sms',
  async start() {
    twilio = await startTwilioEmulator({ senders: SMS_NUMBERS, sendsPerSecond: 50, route: (url) => url.replace(PUBLIC_BASE_URL, appUrl) });
    const app = await startTestSwitchboard({ env: twilioEnv(twilio, { TWILIO_SEND_RATE: '50' }) });
    appUrl = app.url;
    return { app, stop: async () => (await app.close(), await twilio.close()) };
  },
  deliver: (id, text) => twilio.post(INBOUND, sms(id, text)),
  deliverForged: (id, text) => twilio.post(INBOUND, { ...sms(id, text), Body: 'tampered' }, { signedParams: sms(id, text) }),
  // A well-signed callback for a call or a conversation event: not a messaging webhook.
  deliverUnknown: () => twilio.post(INBOUND, { CallSid: 'CA' + '0'.repeat(32), AccountSid: twilio.accountSid, CallStatus: 'ringing' }),
  unknownStatus: 200,
  received: () => twilio.outbox(CUSTOMER).map((m) => m.body),
});
