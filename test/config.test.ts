import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';
import { runSwitchboard } from './helpers/process.ts';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

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

  it('never echoes a secret in an error', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://user:hunter2@db/x', API_CHANNEL_TOKEN: 'short-secret' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['API_CHANNEL_TOKEN', 'DATABASE_URL']);
    expect(JSON.stringify(problems)).not.toMatch(/hunter2|short-secret/);
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
