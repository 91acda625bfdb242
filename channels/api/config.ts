import type { ChannelSettings } from '../../src/channels/contract.ts';
import type { EnvReader } from '../../src/shared/env.ts';

export interface ApiConfig {
  /** Unset means the core generates one under DATA_DIR on first start. */
  token: string | undefined;
  webhookUrl: string | undefined;
}

/** Reads API_CHANNEL_TOKEN and API_CHANNEL_WEBHOOK_URL. The API channel is always on. */
export function apiSettings(env: EnvReader): ChannelSettings<ApiConfig> {
  const token = env.text('API_CHANNEL_TOKEN');
  if (token !== undefined && token.length < 16) env.problem('API_CHANNEL_TOKEN', 'must be at least 16 characters');
  // Checked as a URL, kept as written: the integration's path may need its trailing slash.
  const webhookUrl = env.url('API_CHANNEL_WEBHOOK_URL') === undefined ? undefined : env.text('API_CHANNEL_WEBHOOK_URL');
  return { enabled: true, config: { token, webhookUrl } };
}
