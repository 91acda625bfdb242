/**
 * EVENT_WEBHOOK_URL and EVENT_WEBHOOK_SECRET at start-up, and a desk without them: nothing is
 * kept for a webhook and nothing is sent.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createEventWebhookModule } from '../../src/event-webhook/index.ts';
import { runSwitchboard } from '../helpers/process.ts';
import { configProblems as problemsOf } from '../helpers/env.ts';
import { startTestSwitchboard } from '../helpers/switchboard.ts';
import { AGENT, SECRET, startWebhookDesk } from './helpers.ts';

describe('event webhook configuration', () => {
  it('is off without EVENT_WEBHOOK_URL, and on with it and a secret, the URL kept as written', () => {
    expect(loadConfig({}).eventWebhook).toEqual({ enabled: false, missing: ['EVENT_WEBHOOK_URL'] });
    expect(loadConfig({ EVENT_WEBHOOK_URL: 'https://crm.example.com/hooks/', EVENT_WEBHOOK_SECRET: SECRET }).eventWebhook).toEqual({
      enabled: true,
      config: { url: 'https://crm.example.com/hooks/', secret: SECRET },
    });
  });

  it.each([
    ['a URL that is none', { EVENT_WEBHOOK_URL: 'crm.example.com/hooks', EVENT_WEBHOOK_SECRET: SECRET }, 'EVENT_WEBHOOK_URL', 'must be a URL starting with http:// or https:// (got "crm.example.com/hooks")'],
    ['another scheme', { EVENT_WEBHOOK_URL: 'ftp://crm.example.com', EVENT_WEBHOOK_SECRET: SECRET }, 'EVENT_WEBHOOK_URL', 'must be a URL starting with http:// or https:// (got "ftp://crm.example.com")'],
    ['a URL without its secret', { EVENT_WEBHOOK_URL: 'https://crm.example.com' }, 'EVENT_WEBHOOK_SECRET', 'is required with EVENT_WEBHOOK_URL: every event is signed with it (X-Switchboard-Signature)'],
    ['a short secret', { EVENT_WEBHOOK_URL: 'https://crm.example.com', EVENT_WEBHOOK_SECRET: 'hunter2' }, 'EVENT_WEBHOOK_SECRET', 'must be at least 16 characters'],
  ])('stops start-up on %s, naming the variable', (_, env, variable, message) => {
    expect(problemsOf(env)).toEqual([{ variable, message }]);
  });

  it('makes `npm start` with a bad EVENT_WEBHOOK_URL exit non-zero naming it, and never shows the secret', async () => {
    const run = runSwitchboard({ EVENT_WEBHOOK_URL: 'not a url', EVENT_WEBHOOK_SECRET: 'a-secret-nobody-may-see' });
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toMatch(/EVENT_WEBHOOK_URL: must be a URL/);
    expect(run.output()).not.toContain('a-secret-nobody-may-see');
  }, 30_000);
});

describe('a desk without EVENT_WEBHOOK_URL', () => {
  it('keeps nothing for a webhook and sends nothing, even where one was set before', async () => {
    // First with the webhook, which works; then the same database without it.
    const before = await startWebhookDesk();
    const first = await before.write('was@example.com', 'hello');
    await before.waitForAll(first);
    const receiver = before.receiver;
    const posted = receiver.posts.length;
    await before.app.stop();

    const app = await startTestSwitchboard({ db: before.app.db, modules: [createEventWebhookModule()] });
    try {
      const number = (await app.inbound({ id: 'off-1', from: 'off@example.com', text: 'hello' })).json.ticket as number;
      await app.tickets.claim(number, AGENT);
      await app.tickets.note({ ticket: number, author: AGENT, text: 'nobody hears this' });
      await app.tickets.transition(number, 'resolve', AGENT);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(receiver.posts.length).toBe(posted);
      const [row] = await app.db.sql<{ enabled: boolean; kept: number }[]>`
        select (select enabled from event_webhook_settings), (select count(*)::int from event_webhook_outbox) as kept`;
      expect(row).toEqual({ enabled: false, kept: 0 });
      const events = await app.db.sql`select 1 from events e join tickets t on t.id = e.ticket_id where t.number = ${number}`;
      expect(events.length).toBeGreaterThan(3);
    } finally {
      await app.close();
      await before.close();
    }
  }, 45_000);

});
