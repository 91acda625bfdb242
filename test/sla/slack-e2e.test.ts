import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockText, ESCALATIONS, GRACE, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';
import { slaEventsOf, urgentFirstReply, waitFor } from './engine-helpers.ts';

// The engine's own events rendered by the Slack module, end to end: what a manager and the
// assignee actually see in the emulated workspace.
let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk({ env: urgentFirstReply('4s', { SLA_URGENT_MENTION: '<!subteam^S0MANAGERS>' }) });
});
afterAll(() => desk?.close());

describe('an urgent ticket nobody answers, in Slack', () => {
  it('gets a warning in its thread for the assignee, then a breach post with the mention, and a card that says so', async () => {
    const number = await desk.write('slack-e2e@example.com', 'my payment failed', { name: 'Pat' });
    const ts = await desk.cardTs(number);
    await desk.app.tickets.claim(number, GRACE);
    await desk.app.tickets.setPriority(number, 'urgent', GRACE);

    await waitFor('the breach', async () => (await slaEventsOf(desk.app.db.sql, number)).some((e) => e.kind === 'sla-breach'));
    await expect
      .poll(async () => (await desk.thread(number)).map((m) => m.text), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(new RegExp(`first reply target is due .*<@${GRACE}>`)));
    await expect
      .poll(() => desk.slack.messages(ESCALATIONS).map((m) => m.text), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(new RegExp(`#${number}>? missed its first reply target: Pat has waited .*<!subteam\\^S0MANAGERS>`)));
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, ts)), { timeout: 10_000 }).toContain(':rotating_light: *Breached*');
    expect(blockText(desk.slack.message(TRIAGE, ts))).toContain('level 1');
  });
});
