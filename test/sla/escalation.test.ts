import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { startApiReceiver, type ApiReceiver } from '../fakes/api/receiver.ts';
import { runSwitchboard } from '../helpers/process.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';
import { alertsOf, msBetween, openUrgentTicket, slaEventsOf, sleep, summaryOf, urgentFirstReply, waitFor } from './engine-helpers.ts';

describe('the escalation ladder', () => {
  let app: TestSwitchboard;
  beforeAll(async () => {
    app = await startTestSwitchboard({
      env: urgentFirstReply('3s', {
        SLA_URGENT_MENTION: '<!subteam^S123>',
        SLA_LADDER: JSON.stringify([
          { after: '2s', mention: '<!subteam^S456>' },
          { after: '1h', mention: '<@U0BOSS>' },
        ]),
      }),
    });
  });
  afterAll(() => app?.close());

  it('mentions the next step once the breach has gone unanswered for its delay, and only that step so far', async () => {
    const { number, createdAt } = await openUrgentTicket(app);
    const ladder = await waitFor('the first ladder step', async () => (await slaEventsOf(app.db.sql, number)).find((e) => e.kind === 'sla-ladder'));
    expect(msBetween(createdAt, new Date((await alertsOf(app.db.sql, number)).find((a) => a.kind === 'ladder-1')!.dueAt))).toBe(5_000);
    expect(ladder).toMatchObject({ actor: 'sla', data: { metric: 'firstReply', cycle: 1, step: 1, mentions: ['<!subteam^S456>'] } });
    expect(ladder.data.waitingMs).toBeGreaterThanOrEqual(5_000);

    const events = await slaEventsOf(app.db.sql, number);
    expect(events.map((e) => e.kind)).toEqual(['sla-warning', 'sla-breach', 'sla-ladder']);
    expect(events[1]!.data).toMatchObject({ level: 1, mentions: ['<!subteam^S123>'] });
    // A ladder step mentions; it does not raise the level again. The next step is an hour out.
    const summary = await summaryOf(app.db.sql, number);
    expect(summary.escalationLevel).toBe(1);
    expect(summary.timerAt).toEqual(new Date(createdAt.getTime() + 3_000 + 3_600_000));
  });
});

describe('a breach found only after the target was met late', () => {
  const clock = manualClock(new Date('2026-06-01T09:00:00Z'));
  let app: TestSwitchboard;
  let customer: ApiReceiver;
  beforeAll(async () => {
    customer = await startApiReceiver(TEST_API_TOKEN);
    app = await startTestSwitchboard({ clock, env: { ...urgentFirstReply('1h', { SLA_URGENT_MENTION: '<!subteam^S123>' }), API_CHANNEL_WEBHOOK_URL: customer.url } });
  });
  afterAll(async () => {
    await app?.close();
    await customer?.close();
  });

  it('is recorded for attainment, marked late, and escalates nobody', async () => {
    const { number } = await openUrgentTicket(app);
    // Claimed while the target still runs, so the reply below changes no status: a status change
    // would have the engine look at the clock before the reply is sent, and find the breach live.
    await app.tickets.claim(number, 'U_AGENT');
    // The clock stands still for the timer job, which is set an hour of wall time out: only
    // the reply, two hours in by the ticket's clock, tells the engine the target was missed.
    clock.advance(2 * 3_600_000);
    const reply = await app.tickets.reply({ ticket: number, author: 'U_AGENT', text: 'Sorry for the wait' });
    await waitFor('the reply to reach the customer', async () => customer.delivered().some((b) => b.id === reply.id));
    const breach = await waitFor('the breach', async () => (await slaEventsOf(app.db.sql, number)).find((e) => e.kind === 'sla-breach'));

    expect(breach.data).toMatchObject({ metric: 'firstReply', dueAt: '2026-06-01T10:00:00.000Z', level: 0, mentions: [], late: true });
    expect((await alertsOf(app.db.sql, number)).map((a) => [a.kind, a.posted])).toEqual([
      ['warning', false],
      ['breach', false],
    ]);
    await sleep(500);
    expect((await slaEventsOf(app.db.sql, number)).map((e) => e.kind)).toEqual(['sla-breach']);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ escalationLevel: 0, slaBreachedAt: null, slaDueAt: null, timerAt: null });
  });
});

describe('an invalid SLA policy', () => {
  it('makes `npm start` exit non-zero naming SLA_TARGETS and the bad part', async () => {
    const run = runSwitchboard({ SLA_TARGETS: '{"urgent":{"firstReply":"30x"}}', SLA_WARN_AT: '1.5' });
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toMatch(/SLA_TARGETS: urgent\.firstReply: "30x" is not a duration/);
    expect(run.output()).toMatch(/SLA_WARN_AT: "1\.5" is not a share of the target/);
  });
});
