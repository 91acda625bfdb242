import { afterAll, beforeAll, describe, it } from 'vitest';
import { startApiReceiver, type ApiReceiver } from '../fakes/api/receiver.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';
import { alertsOf, msBetween, openUrgentTicket, slaEventsOf, sleep, summaryOf, urgentFirstReply, waitFor } from './engine-helpers.ts';

// product.md §5 end to end on a real Postgres and real pg-boss timers: an urgent ticket with
// an 8-second first-reply target warns at 75 % (6 s) and breaches at 8 s, once each.
const TARGET_MS = 8_000;
const WARN_MS = 6_000;
// Workers poll every 0.5 s; with two test files running beside this one, allow some load.
const LATENESS_LIMIT_MS = 2_000;

let app: TestSwitchboard;
let customer: ApiReceiver;
beforeAll(async () => {
  customer = await startApiReceiver(TEST_API_TOKEN);
  app = await startTestSwitchboard({
    env: { ...urgentFirstReply('8s', { SLA_URGENT_MENTION: '<!subteam^S123>' }), API_CHANNEL_WEBHOOK_URL: customer.url },
  });
});
afterAll(async () => {
  await app?.close();
  await customer?.close();
});

/** Waits until the first-reply target of ticket `number` can no longer fire, plus a margin for strays. */
async function pastTheTarget(createdAt: Date) {
  const left = createdAt.getTime() + TARGET_MS + LATENESS_LIMIT_MS - Date.now();
  if (left > 0) await sleep(left);
}

describe.concurrent('an urgent ticket with an 8-second first-reply target', () => {
  it('warns once at 6 s and breaches once at 8 s when nobody answers: level 1, breach on the card, events recorded', async ({ expect }) => {
    const { number, createdAt } = await openUrgentTicket(app);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ slaDueAt: new Date(createdAt.getTime() + TARGET_MS), slaDueMetric: 'firstReply' });

    await waitFor('the breach', async () => (await slaEventsOf(app.db.sql, number)).some((e) => e.kind === 'sla-breach'));
    await pastTheTarget(createdAt);

    const alerts = await alertsOf(app.db.sql, number);
    expect(alerts.map((a) => [a.metric, a.cycle, a.kind, a.posted])).toEqual([
      ['firstReply', 1, 'warning', true],
      ['firstReply', 1, 'breach', true],
    ]);
    const [warning, breach] = alerts;
    expect(msBetween(createdAt, warning!.dueAt)).toBe(WARN_MS);
    expect(msBetween(createdAt, breach!.dueAt)).toBe(TARGET_MS);
    for (const alert of alerts) {
      expect(msBetween(alert.dueAt, alert.firedAt)).toBeGreaterThanOrEqual(0);
      expect(msBetween(alert.dueAt, alert.firedAt)).toBeLessThan(LATENESS_LIMIT_MS);
    }

    const events = await slaEventsOf(app.db.sql, number);
    expect(events.map((e) => [e.kind, e.actor])).toEqual([
      ['sla-warning', 'sla'],
      ['sla-breach', 'sla'],
    ]);
    const dueAt = new Date(createdAt.getTime() + TARGET_MS).toISOString();
    expect(events[0]!.data).toMatchObject({ metric: 'firstReply', cycle: 1, dueAt });
    expect(events[0]!.data.leftMs).toBeGreaterThan(0);
    expect(events[0]!.data.leftMs).toBeLessThanOrEqual(TARGET_MS - WARN_MS);
    expect(events[1]!.data).toMatchObject({ metric: 'firstReply', cycle: 1, dueAt, level: 1, mentions: ['<!subteam^S123>'] });
    expect(events[1]!.data.waitingMs).toBeGreaterThanOrEqual(TARGET_MS);

    const summary = await summaryOf(app.db.sql, number);
    expect(summary).toMatchObject({ escalationLevel: 1, slaBreachedAt: new Date(dueAt), slaDueMetric: 'firstReply' });
    // The target is still unmet and nothing else can fall due: no timer is owed.
    expect(summary.timerAt).toBeNull();
  });

  it('raises nothing when an agent answers in time', async ({ expect }) => {
    const { number, createdAt } = await openUrgentTicket(app);
    const reply = await app.tickets.reply({ ticket: number, author: 'U_AGENT', text: 'On it' });
    await waitFor('the reply to reach the customer', async () => customer.delivered().some((b) => b.id === reply.id));
    await waitFor('the due time to clear', async () => (await summaryOf(app.db.sql, number)).slaDueAt === null);
    await pastTheTarget(createdAt);

    expect(await alertsOf(app.db.sql, number)).toEqual([]);
    expect(await slaEventsOf(app.db.sql, number)).toEqual([]);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ escalationLevel: 0, slaBreachedAt: null, slaDueAt: null, timerAt: null });
  });

  it('does not take an internal note for an answer', async ({ expect }) => {
    const { number, createdAt } = await openUrgentTicket(app);
    await app.tickets.note({ ticket: number, author: 'U_AGENT', text: 'looking into it' });
    await waitFor('the breach', async () => (await slaEventsOf(app.db.sql, number)).some((e) => e.kind === 'sla-breach'));
    await pastTheTarget(createdAt);

    expect((await slaEventsOf(app.db.sql, number)).map((e) => e.kind)).toEqual(['sla-warning', 'sla-breach']);
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ escalationLevel: 1, slaBreachedAt: new Date(createdAt.getTime() + TARGET_MS) });
  });

  it('does not take a reply that could not be sent for an answer', async ({ expect }) => {
    const { number, createdAt } = await openUrgentTicket(app);
    // Longer than the API channel carries: refused before any attempt, marked failed.
    const reply = await app.tickets.reply({ ticket: number, author: 'U_AGENT', text: 'x'.repeat(32_001) });
    await waitFor('the reply to fail', async () => {
      const [row] = await app.db.sql<{ delivery: string }[]>`select delivery from messages where id = ${reply.id}`;
      return row?.delivery === 'failed';
    });
    await waitFor('the breach', async () => (await slaEventsOf(app.db.sql, number)).some((e) => e.kind === 'sla-breach'));
    await pastTheTarget(createdAt);

    expect((await slaEventsOf(app.db.sql, number)).map((e) => e.kind)).toEqual(['sla-warning', 'sla-breach']);
    expect((await summaryOf(app.db.sql, number)).escalationLevel).toBe(1);
  });
});
