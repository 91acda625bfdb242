import { describe, expect, it } from 'vitest';
import { telegramModule } from '../../../channels/telegram/index.ts';
import { SECRET_VARIABLES } from '../../../src/config.ts';
import { EnvReader } from '../../../src/shared/env.ts';

const TOKEN = '123456789:AAFabcdefghijklmnopqrstuvwxyz012345';
const read = (env: Record<string, string>) => {
  const reader = new EnvReader(env, SECRET_VARIABLES);
  return { settings: telegramModule.settings(reader), problems: reader.problems };
};

describe('Telegram settings', () => {
  it('is off without TELEGRAM_BOT_TOKEN, saying so', () => {
    expect(read({}).settings).toEqual({ enabled: false, missing: ['TELEGRAM_BOT_TOKEN'] });
  });

  it('long-polls without PUBLIC_BASE_URL and takes webhooks with it', () => {
    const polling = read({ TELEGRAM_BOT_TOKEN: TOKEN }).settings;
    expect(polling.enabled && telegramModule.inbound(polling.config)).toBe('connection');
    const webhook = read({ TELEGRAM_BOT_TOKEN: TOKEN, PUBLIC_BASE_URL: 'https://desk.example.com/' }).settings;
    expect(webhook.enabled && telegramModule.inbound(webhook.config)).toBe('webhooks');
    expect(webhook.enabled && webhook.config).toMatchObject({ botId: 123456789, apiUrl: 'https://api.telegram.org', publicBaseUrl: 'https://desk.example.com', groups: false });
  });

  it('derives a webhook secret from the token when none is set, the same on every instance', () => {
    const a = read({ TELEGRAM_BOT_TOKEN: TOKEN }).settings;
    const b = read({ TELEGRAM_BOT_TOKEN: TOKEN }).settings;
    expect(a.enabled && a.config.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(a.enabled && b.enabled && a.config.webhookSecret === b.config.webhookSecret).toBe(true);
    expect(a.enabled && a.config.webhookSecret.includes(TOKEN.split(':')[1]!)).toBe(false);
  });

  it('names each bad variable, without quoting secrets', () => {
    const { settings, problems } = read({ TELEGRAM_BOT_TOKEN: 'not a token', TELEGRAM_WEBHOOK_SECRET: 'has spaces!', TELEGRAM_API_URL: 'ftp://x', TELEGRAM_GROUPS: 'maybe' });
    expect(settings.enabled).toBe(false);
    expect(problems.map((p) => p.variable).sort()).toEqual(['TELEGRAM_API_URL', 'TELEGRAM_BOT_TOKEN', 'TELEGRAM_GROUPS', 'TELEGRAM_WEBHOOK_SECRET']);
    expect(JSON.stringify(problems)).not.toContain('not a token');
    expect(JSON.stringify(problems)).not.toContain('has spaces!');
  });

  it('serves groups when TELEGRAM_GROUPS is true', () => {
    const { settings } = read({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_GROUPS: 'true' });
    expect(settings.enabled && settings.config.groups).toBe(true);
  });
});
