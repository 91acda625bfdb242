import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';
import { alertsOf, msBetween, openTicket, slaEventsOf, sleep, summaryOf, waitFor, waitingTimerJobs } from './engine-helpers.ts';

const H = 3_600_000;
const M = 60_000;
const off = { firstReply: null, nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null };

/** `GET /api/v1/tickets/:number` as an integration sees it. */
async function apiView(app: TestSwitchboard, number: number) {
  const response = await fetch(`${app.url}/api/v1/tickets/${number}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { escalationLevel: number; sla: { metric: string; dueAt: string | null; paused: boolean; breachedAt: string | null }[] };
}

/** The one waiting timer job of a ticket, and how far from now pg-boss will start it. */
async function theTimerJob(app: TestSwitchboard, number: number) {
  const jobs = await waitingTimerJobs(app.db.sql, number);
  expect(jobs).toHaveLength(1);
  return { inMs: jobs[0]!.startAfter.getTime() - Date.now() };
}

describe('a ticket set pending and reopened by the customer', () => {
  const clock = manualClock(new Date('2026-06-01T09:00:00Z'));
  let app: TestSwitchboard;
  beforeAll(async () => {
    app = await startTestSwitchboard({
      clock,
      env: { SLA_TARGETS: JSON.stringify({ normal: { ...off, resolution: '8h', totalResolution: '1d' } }) },
    });
  });
  afterAll(() => app?.close());

  it('moves the resolution due time by the span spent pending, and not the total resolution time', async () => {
    const { status, json } = await app.inbound({ id: 'pend-1', from: 'pending-customer', text: 'my order' });
    expect(status).toBe(200);
    const number: number = json.ticket;
    expect((await apiView(app, number)).sla).toEqual([
      { metric: 'resolution', dueAt: '2026-06-01T17:00:00.000Z', paused: false, breachedAt: null },
      { metric: 'totalResolution', dueAt: '2026-06-02T09:00:00.000Z', paused: false, breachedAt: null },
    ]);
    // The resolution warning (75 % of 8h) is the next moment.
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ slaDueAt: new Date('2026-06-01T17:00:00Z'), timerAt: new Date('2026-06-01T15:00:00Z') });

    clock.advance(1 * H);
    await app.tickets.transition(number, 'set-pending', 'U_AGENT');
    expect((await apiView(app, number)).sla).toEqual([
      { metric: 'resolution', dueAt: null, paused: true, breachedAt: null },
      { metric: 'totalResolution', dueAt: '2026-06-02T09:00:00.000Z', paused: false, breachedAt: null },
    ]);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({
      slaDueAt: new Date('2026-06-02T09:00:00Z'),
      slaDueMetric: 'totalResolution',
      timerAt: new Date('2026-06-02T03:00:00Z'),
    });

    clock.advance(2 * H);
    await app.inbound({ id: 'pend-2', from: 'pending-customer', text: 'here is the photo' });
    const view = await apiView(app, number);
    expect(view.sla).toEqual([
      { metric: 'resolution', dueAt: '2026-06-01T19:00:00.000Z', paused: false, breachedAt: null },
      { metric: 'totalResolution', dueAt: '2026-06-02T09:00:00.000Z', paused: false, breachedAt: null },
    ]);
    expect(view.escalationLevel).toBe(0);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({
      slaDueAt: new Date('2026-06-01T19:00:00Z'),
      slaDueMetric: 'resolution',
      timerAt: new Date('2026-06-01T17:00:00Z'),
    });
    // The same one job, moved: it now starts 5h from "now" (12:00), at the 17:00 warning.
    expect(Math.abs((await theTimerJob(app, number)).inMs - 5 * H)).toBeLessThan(M);
  });
});

describe('a priority change', () => {
  const clock = manualClock(new Date('2026-06-01T09:00:00Z'));
  let app: TestSwitchboard;
  beforeAll(async () => {
    app = await startTestSwitchboard({
      clock,
      env: { SLA_TARGETS: JSON.stringify({ normal: { ...off, firstReply: '4h' }, urgent: { ...off, firstReply: '30m' } }) },
    });
  });
  afterAll(() => app?.close());

  it("moves the ticket's one timer job to the new priority's moments, and back", async () => {
    const { number } = await openTicket(app);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ slaDueAt: new Date('2026-06-01T13:00:00Z'), timerAt: new Date('2026-06-01T12:00:00Z') });
    expect(Math.abs((await theTimerJob(app, number)).inMs - 3 * H)).toBeLessThan(M);

    clock.advance(10 * M);
    await app.tickets.setPriority(number, 'urgent', 'U_AGENT');
    // Targets re-apply from the cycle's start (09:00): due 09:30, warning at 09:22:30.
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ slaDueAt: new Date('2026-06-01T09:30:00Z'), timerAt: new Date('2026-06-01T09:22:30Z') });
    expect(Math.abs((await theTimerJob(app, number)).inMs - 12.5 * M)).toBeLessThan(M);

    await app.tickets.setPriority(number, 'normal', 'U_AGENT');
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ slaDueAt: new Date('2026-06-01T13:00:00Z'), timerAt: new Date('2026-06-01T12:00:00Z') });
    expect(Math.abs((await theTimerJob(app, number)).inMs - (3 * H - 10 * M))).toBeLessThan(M);
  });
});

describe.concurrent('a priority change on the wall clock', () => {
  let app: TestSwitchboard;
  beforeAll(async () => {
    app = await startTestSwitchboard({
      env: {
        SLA_TARGETS: JSON.stringify({ normal: { ...off, firstReply: '1h' }, urgent: { ...off, firstReply: '2s' } }),
        SLA_URGENT_MENTION: '<@U0MANAGER>',
      },
    });
  });
  afterAll(() => app?.close());

  it('brings the breach forward to the urgent due time, and fires it then', async ({ expect }) => {
    const { number, createdAt } = await openTicket(app);
    await app.tickets.setPriority(number, 'urgent', 'U_AGENT');
    await waitFor('the breach', async () => (await slaEventsOf(app.db.sql, number)).find((e) => e.kind === 'sla-breach'));
    const alerts = await alertsOf(app.db.sql, number);
    expect(alerts.map((a) => [a.kind, msBetween(createdAt, a.dueAt)])).toEqual([
      ['warning', 1_500],
      ['breach', 2_000],
    ]);
    for (const alert of alerts) expect(msBetween(alert.dueAt, alert.firedAt)).toBeLessThan(2_000);
  });

  it('breaches at once when the new target has already run out, without a warning post', async ({ expect }) => {
    const { number, createdAt } = await openTicket(app);
    await sleep(2_500);
    const changedAt = Date.now();
    await app.tickets.setPriority(number, 'urgent', 'U_AGENT');
    const breach = await waitFor('the breach', async () => (await slaEventsOf(app.db.sql, number)).find((e) => e.kind === 'sla-breach'));
    expect(breach.at.getTime() - changedAt).toBeLessThan(1_500);
    expect(breach.data).toMatchObject({ dueAt: new Date(createdAt.getTime() + 2_000).toISOString(), level: 1, mentions: ['<@U0MANAGER>'] });
    // The warning's moment passed too: recorded, so it never fires, but not posted under the breach.
    expect((await alertsOf(app.db.sql, number)).map((a) => [a.kind, a.posted])).toEqual([
      ['warning', false],
      ['breach', true],
    ]);
    expect((await slaEventsOf(app.db.sql, number)).map((e) => e.kind)).toEqual(['sla-breach']);
  });
});

describe('business hours end to end', () => {
  // Friday 2026-03-27 16:00 in Berlin (CET, UTC+1). Clocks go forward on Sunday the 29th and
  // Monday the 30th is a holiday here, so a 2h first-reply target has 1h on Friday and the
  // other hour on Tuesday from 09:00 CEST (07:00 UTC).
  const clock = manualClock(new Date('2026-03-27T15:00:00Z'));
  let app: TestSwitchboard;
  beforeAll(async () => {
    app = await startTestSwitchboard({
      clock,
      env: {
        SLA_TARGETS: JSON.stringify({ normal: { ...off, firstReply: '2h' } }),
        SLA_BUSINESS_HOURS: JSON.stringify({
          timezone: 'Europe/Berlin',
          hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, ['09:00', '17:00']])),
          holidays: ['2026-03-30'],
        }),
      },
    });
  });
  afterAll(() => app?.close());

  it('puts the due time across the night, the weekend, the clock change and the holiday', async () => {
    const { number } = await openTicket(app);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({
      slaDueAt: new Date('2026-03-31T08:00:00Z'), // Tuesday 10:00 CEST
      timerAt: new Date('2026-03-31T07:30:00Z'), // the warning at 1h30 of working time
    });
  });
});
