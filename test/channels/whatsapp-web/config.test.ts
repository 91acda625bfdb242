import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, parseWhatsAppWebSettings, realClient, sessionStore, type WhatsAppWebConfig } from '../../../channels/whatsapp-web/index.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { parseEnv } from '../../helpers/env.ts';
import { freePort, runSwitchboard } from '../../helpers/process.ts';
import { memoryState } from '../twilio/helpers.ts';

describe('WhatsApp linked-device settings', () => {
  it('are off, and say nothing is wrong, unless WHATSAPP_WEB_ENABLED is true', () => {
    expect(parseEnv(parseWhatsAppWebSettings, {})).toEqual({ value: { enabled: false, missing: ['WHATSAPP_WEB_ENABLED'] }, problems: [] });
  });

  it('name CHROMIUM_PATH when it is not a program, and stay off without stopping start-up', () => {
    const { value, problems } = parseEnv(parseWhatsAppWebSettings, { WHATSAPP_WEB_ENABLED: 'true', CHROMIUM_PATH: '/nowhere/chromium' });
    expect(problems).toEqual([]);
    expect(value).toEqual({ enabled: false, missing: ['CHROMIUM_PATH'], reason: 'CHROMIUM_PATH=/nowhere/chromium is not a program that can be run' });
  });

  it('find the system Chromium when CHROMIUM_PATH is unset, and say where they looked when there is none', () => {
    const none = parseEnv((env) => parseWhatsAppWebSettings(env, { find: () => false }), { WHATSAPP_WEB_ENABLED: 'yes' }).value;
    expect(none.enabled).toBe(false);
    expect(!none.enabled && none.reason).toMatch(/no Chromium found \(looked in \/usr\/bin\/chromium.*\): install it from the system's packages \(apt install chromium\) or set CHROMIUM_PATH/);
    const some = parseEnv((env) => parseWhatsAppWebSettings(env, { find: (p) => p === '/usr/bin/chromium-browser', dataDir: '/srv/sb' }), { WHATSAPP_WEB_ENABLED: 'on' }).value;
    expect(some).toEqual({ enabled: true, config: { chromiumPath: '/usr/bin/chromium-browser', groups: false, chatRate: 0.25, sendRate: 2, dataPath: '/srv/sb/whatsapp-web' } });
  });

  it('refuse a rate that is not a positive number, naming the variable', () => {
    const { problems } = parseEnv(parseWhatsAppWebSettings, { WHATSAPP_WEB_ENABLED: 'true', WHATSAPP_WEB_CHAT_RATE: '0', WHATSAPP_WEB_GROUPS: 'sometimes' });
    expect(problems.map((p) => p.variable)).toEqual(['WHATSAPP_WEB_GROUPS', 'WHATSAPP_WEB_CHAT_RATE']);
  });
});

describe('start-up with the channel on and no Chromium', () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchboard-wa-start-'));
  });
  afterAll(async () => {
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('says so, naming CHROMIUM_PATH, and keeps the rest of Switchboard running', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const run = runSwitchboard({ DATABASE_URL: db.url, DATA_DIR: dataDir, PORT: String(port), API_CHANNEL_TOKEN: 'test-api-token-0123456789abcdef', LOG_LEVEL: 'info', WHATSAPP_WEB_ENABLED: 'true', CHROMIUM_PATH: '/nowhere/chromium' }, 'node');
    try {
      await run.waitFor(/switchboard listening/);
      expect(run.output()).toMatch(/channel whatsapp-web: off \(CHROMIUM_PATH=\/nowhere\/chromium is not a program that can be run\)/);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      run.signalGroup('SIGTERM');
      await run.exited;
    }
  });
});

describe('the real whatsapp-web.js Client', () => {
  it('is built with our options: the Chromium path, headless with our flags, RemoteAuth over our store', async () => {
    const config: WhatsAppWebConfig = { chromiumPath: '/usr/bin/chromium', groups: false, chatRate: 0.25, sendRate: 2, dataPath: path.join(tmpdir(), 'sb-wa-real') };
    const store = sessionStore(memoryState(), config.dataPath);
    const client = (await realClient({ config, store, clientId: 'switchboard', backupSyncIntervalMs: 300_000 })) as unknown as {
      options: { puppeteer: { executablePath: string; headless: boolean; args: string[] }; authStrategy: { constructor: { name: string }; store: unknown; clientId: string; dataPath: string; backupSyncIntervalMs: number } };
    };
    const { RemoteAuth } = await import('whatsapp-web.js');
    expect(client.options.puppeteer).toMatchObject({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    expect(client.options.authStrategy).toBeInstanceOf(RemoteAuth);
    expect(client.options.authStrategy).toMatchObject({ store, clientId: 'switchboard', dataPath: config.dataPath, backupSyncIntervalMs: 300_000 });
  });
});
