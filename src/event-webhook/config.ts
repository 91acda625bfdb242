import type { EnvReader } from '../shared/env.ts';

/** Where every event is POSTed, and the secret its signature is keyed by. */
export interface EventWebhookConfig {
  url: string;
  secret: string;
}

/** On with its configuration, or off with what it lacks. */
export type EventWebhookSettings = { enabled: true; config: EventWebhookConfig } | { enabled: false; missing: string[] };

// As long as the API channel's token: a receiver's check is only as good as the key.
const MIN_SECRET_LENGTH = 16;

/**
 * Reads EVENT_WEBHOOK_URL and EVENT_WEBHOOK_SECRET. The webhook is on when the URL is set; the
 * secret is then required, since every event is signed. The secret is never quoted
 * (src/config.ts SECRET_VARIABLES).
 */
export function parseEventWebhookConfig(env: EnvReader): EventWebhookSettings {
  // Checked as a URL, kept as written: the receiver's path may need its trailing slash.
  const url = env.url('EVENT_WEBHOOK_URL') === undefined ? undefined : env.text('EVENT_WEBHOOK_URL');
  let secret = env.text('EVENT_WEBHOOK_SECRET');
  if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) secret = env.problem('EVENT_WEBHOOK_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`);
  else if (secret === undefined && env.text('EVENT_WEBHOOK_URL') !== undefined) {
    env.problem('EVENT_WEBHOOK_SECRET', 'is required with EVENT_WEBHOOK_URL: every event is signed with it (X-Switchboard-Signature)');
  }
  if (url === undefined) return { enabled: false, missing: ['EVENT_WEBHOOK_URL'] };
  if (secret === undefined) return { enabled: false, missing: ['EVENT_WEBHOOK_SECRET'] };
  return { enabled: true, config: { url, secret } };
}
