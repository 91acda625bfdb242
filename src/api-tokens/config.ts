import type { EnvReader } from '../shared/env.ts';
import type { ApiTokenSettings } from './index.ts';

// Enough for a sync job or a busy contact form; well under what one instance ingests, so a
// runaway integration is slowed long before Postgres notices.
const DEFAULT_RATE_PER_SECOND = 20;
const DEFAULT_BURST = 40;

/** Reads API_RATE_LIMIT (requests per second per scoped token) and API_RATE_BURST. */
export function parseApiTokenSettings(env: EnvReader): ApiTokenSettings {
  const ratePerSecond = env.number('API_RATE_LIMIT', { fallback: DEFAULT_RATE_PER_SECOND, positive: true, what: 'a positive number of requests per second' });
  const burst = env.number('API_RATE_BURST', { fallback: Math.max(DEFAULT_BURST, Math.ceil(ratePerSecond * 2)), min: 1, integer: true, what: 'a whole number of requests, at least 1' });
  return { ratePerSecond, burst };
}
