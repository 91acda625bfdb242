/**
 * The emulators a fuzzed instance talks to (Twilio, Telegram in webhook mode, Slack) and the
 * environment that points the app at them, with the secrets the generators sign with.
 */
import { startSlackEmulator } from '../fakes/slack/index.ts';
import { startTelegramEmulator } from '../fakes/telegram/index.ts';
import { startTwilioEmulator } from '../fakes/twilio/index.ts';
import type { FuzzSecrets } from './endpoints.ts';

export const FUZZ_PUBLIC_BASE_URL = 'https://desk.fuzz.example';
const NUMBERS = ['+15550000001', '+15550000002'];
const TELEGRAM_SECRET = 'fuzz-telegram-secret-0123456789';

export interface FuzzDesk {
  /** What the app's environment needs beside DATABASE_URL, DATA_DIR, PORT and API_CHANNEL_TOKEN. */
  env: Record<string, string>;
  secrets(apiToken: string): FuzzSecrets;
  /** Points the emulators' webhooks (Telegram's registration) at where the app answers. */
  serve(appUrl: string): void;
  close(): Promise<void>;
}

export async function startFuzzDesk(): Promise<FuzzDesk> {
  let appUrl = 'http://127.0.0.1:9';
  const route = (url: string) => url.replace(FUZZ_PUBLIC_BASE_URL, appUrl);
  const twilio = await startTwilioEmulator({ route });
  const telegram = await startTelegramEmulator({ route });
  const slack = await startSlackEmulator();
  return {
    env: {
      PUBLIC_BASE_URL: FUZZ_PUBLIC_BASE_URL,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_SMS_FROM: NUMBERS.join(','),
      TWILIO_API_URL: twilio.url,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.url,
      SLACK_TRIAGE_CHANNEL: 'C0TRIAGE01',
    },
    secrets: (apiToken) => ({
      apiToken,
      publicBaseUrl: FUZZ_PUBLIC_BASE_URL,
      twilio: { accountSid: twilio.accountSid, authToken: twilio.authToken, numbers: NUMBERS },
      telegramSecret: TELEGRAM_SECRET,
      slack: { signingSecret: slack.signingSecret, teamId: slack.teamId, appId: slack.appId, user: 'U0AGENT001', channel: 'C0TRIAGE01' },
    }),
    serve(url) {
      appUrl = url;
    },
    async close() {
      await Promise.all([twilio.close(), telegram.close(), slack.close()]);
    },
  };
}
