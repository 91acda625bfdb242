import { z } from 'zod';
import type { ChannelConfigProblem, ChannelSettings } from '../../src/channels/contract.ts';

export interface ApiConfig {
  /** Unset means the core generates one under DATA_DIR on first start. */
  token: string | undefined;
  webhookUrl: string | undefined;
}

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** Reads API_CHANNEL_TOKEN and API_CHANNEL_WEBHOOK_URL. The API channel is always on. */
export function apiSettings(env: Readonly<Record<string, string | undefined>>): {
  settings: ChannelSettings<ApiConfig>;
  problems: ChannelConfigProblem[];
} {
  const problems: ChannelConfigProblem[] = [];
  const token = blank(env.API_CHANNEL_TOKEN);
  if (token !== undefined && token.length < 16) {
    problems.push({ variable: 'API_CHANNEL_TOKEN', message: 'must be at least 16 characters' });
  }
  const webhookUrl = blank(env.API_CHANNEL_WEBHOOK_URL);
  if (webhookUrl !== undefined && !z.url({ protocol: /^https?$/ }).safeParse(webhookUrl).success) {
    problems.push({ variable: 'API_CHANNEL_WEBHOOK_URL', message: `must be an http:// or https:// URL (got "${webhookUrl}")` });
  }
  return { settings: { enabled: true, config: { token, webhookUrl } }, problems };
}
