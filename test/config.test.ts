import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { runSwitchboard } from './helpers/process.ts';
import { configProblems as problemsOf } from './helpers/env.ts';

describe('configuration', () => {
  it('starts from nothing with documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, databaseUrl: undefined, dataDir: './.data', logLevel: 'info', publicBaseUrl: undefined, reopenWindowMs: 7 * 86_400_000 });
  });

  it('reports every bad variable at once, each by name', () => {
    const problems = problemsOf({ PORT: 'abc', API_CHANNEL_WEBHOOK_URL: 'nope', REOPEN_WINDOW: '7 days', LOG_LEVEL: 'loud', PUBLIC_BASE_URL: 'ftp://x' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['API_CHANNEL_WEBHOOK_URL', 'LOG_LEVEL', 'PORT', 'PUBLIC_BASE_URL', 'REOPEN_WINDOW']);
    expect(problems.find((p) => p.variable === 'REOPEN_WINDOW')!.message).toMatch(/not a duration/);
  });

  it('reads the log format and the API tokens\' rate limit, with defaults', () => {
    expect(loadConfig({})).toMatchObject({ logFormat: undefined, apiTokens: { ratePerSecond: 20, burst: 40 } });
    expect(loadConfig({ LOG_FORMAT: 'json', API_RATE_LIMIT: '50' })).toMatchObject({ logFormat: 'json', apiTokens: { ratePerSecond: 50, burst: 100 } });
    expect(loadConfig({ API_RATE_LIMIT: '5', API_RATE_BURST: '7' }).apiTokens).toEqual({ ratePerSecond: 5, burst: 7 });
    const problems = problemsOf({ LOG_FORMAT: 'xml', API_RATE_LIMIT: '0', API_RATE_BURST: '1.5' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['API_RATE_BURST', 'API_RATE_LIMIT', 'LOG_FORMAT']);
    expect(problems.find((p) => p.variable === 'LOG_FORMAT')!.message).toMatch(/pretty, json/);
  });

  it('never echoes a secret in an error', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://user:hunter2@db/x', API_CHANNEL_TOKEN: 'short-secret' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['API_CHANNEL_TOKEN', 'DATABASE_URL']);
    expect(JSON.stringify(problems)).not.toMatch(/hunter2|short-secret/);
  });

  it('is frozen once parsed, channel settings included, and holds no module objects', () => {
    const config = loadConfig({ API_CHANNEL_WEBHOOK_URL: 'https://hooks.example.com/desk/' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.channels)).toBe(true);
    const api = config.channels.find((entry) => entry.module === 'api')!;
    expect(api.settings).toEqual({ enabled: true, config: { token: undefined, webhookUrl: 'https://hooks.example.com/desk/' } });
    expect(Object.isFrozen(api) && Object.isFrozen(api.settings)).toBe(true);
    expect(() => (config.channels as unknown[]).push({})).toThrow(TypeError);
    expect(config.channels.map((entry) => entry.module)).toEqual(['api', 'twilio', 'telegram', 'discord', 'email', 'whatsapp-web']);
    expect(JSON.parse(JSON.stringify(config.channels))).toEqual(config.channels);
  });

  it('collects the problems of every part (core, channels, Slack, SLA) in one error', () => {
    const problems = problemsOf({ PORT: '70000', TWILIO_SEND_RATE: '0', SLACK_POST_RATE: 'fast', SLA_WARN_AT: '2' });
    expect(problems.map((p) => p.variable)).toEqual(['PORT', 'TWILIO_SEND_RATE', 'SLA_WARN_AT', 'SLACK_POST_RATE']);
    expect(problems[0]!.message).toBe('must be at most 65535 (got "70000")');
  });

  it('treats a blank variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it('makes `PORT=abc API_CHANNEL_WEBHOOK_URL=nope npm start` exit non-zero naming both variables', async () => {
    const run = runSwitchboard({ PORT: 'abc', API_CHANNEL_WEBHOOK_URL: 'nope' });
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(run.output()).toMatch(/PORT: /);
    expect(run.output()).toMatch(/API_CHANNEL_WEBHOOK_URL: /);
  });
});
