import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { startTestSwitchboard } from '../helpers/switchboard.ts';

/** A logger whose lines a test can read. */
function capturedLogger() {
  const lines: { msg: string; [key: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('Slack at start-up', () => {
  it('says Slack is off and what it misses', async () => {
    const { logger, lines } = capturedLogger();
    const app = await startTestSwitchboard({ logger });
    try {
      expect(lines.map((l) => l.msg)).toContain('slack: off (missing SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)');
      expect(app.modules.map((m) => m.name)).not.toContain('slack');
    } finally {
      await app.close();
    }
  });

  it('says Slack is on, and how, without logging a secret', async () => {
    const { logger, lines } = capturedLogger();
    const env = { SLACK_BOT_TOKEN: 'xoxb-1-2-secretbottoken', SLACK_SIGNING_SECRET: 'secret-signing-secret', SLACK_API_URL: 'http://127.0.0.1:9/api/' };
    const app = await startTestSwitchboard({ logger, env });
    try {
      expect(lines.map((l) => l.msg)).toContain('slack: on (HTTP at /slack/events)');
      expect(lines.map((l) => l.msg)).toContain('slack: SLACK_TRIAGE_CHANNEL is not set (nor a default team in switchboard.yml), so no ticket cards are posted');
      expect(JSON.stringify(lines)).not.toMatch(/secretbottoken|secret-signing-secret/);
    } finally {
      await app.close();
    }
  });

  it('refuses to start on an invalid SLACK_* value, naming the variable', () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_TRIAGE_CHANNEL: '#triage' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['SLACK_TRIAGE_CHANNEL']);
    }
  });
});
