import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, type Clock } from '../../src/shared/clock.ts';
import { calendarFor } from '../../src/sla/calendar.ts';
import { evaluateTicket } from '../../src/sla/engine.ts';
import { timerScheduler } from '../../src/sla/timers.ts';
import { change } from '../../src/tickets/index.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';
import { alertsOf, msBetween, openTicket, openUrgentTicket, slaEventsOf, sleep, summaryOf, urgentFirstReply, waitFor } from './engine-helpers.ts';

// Instances started by a test, closed in reverse order after it: the first one made the
// database, so it goes last and drops it.
let started: TestSwitchboard[] = [];
async function start(options: Parameters<typeof startTestSwitchboard>[0]): Promise<TestSwitchboard> {
  const app = await startTestSwitchboard(options);
  started.push(app);
  return app;
}
afterEach(async () => {
  for (const app of started.reverse()) await app.close();
  started = [];
});

/** Evaluates a ticket the way its timer job does, on `app`, as of `clock`. */
function evaluateAsTimer(app: TestSwitchboard, clock: Clock, ticketId: number) {
  const policy = app.config.sla;
  const engine = { policy, calendar: calendarFor(policy), schedule: timerScheduler(app.jobs, clock) };
  return change(app.tickets.context, (tx, record, at) => evaluateTicket(tx, engine, ticketId, at, record));
}

const kindsOf = async (app: TestSwitchboard, number: number) => (await slaEventsOf(app.db.sql, number)).map((e) => e.kind);

describe('two instances on one database', () => {
  it('raise every alert once, whichever instance opened the ticket', async () => {
    const env = urgentFirstReply('5s');
    const a = await start({ env });
    const b = await start({ env, db: a.db });
    const tickets = await Promise.all(Array.from({ length: 12 }, (_, i) => openUrgentTicket(i % 2 === 0 ? a : b)));
    for (const { number } of tickets) {
      await waitFor(`the breach of #${number}`, async () => (await kindsOf(a, number)).includes('sla-breach'));
    }
    await sleep(1_500); // a duplicate from the other instance would have landed by now
    for (const { number } of tickets) {
      // On a loaded machine a warning may come due together with its breach and be recorded
      // unposted under it; what may never happen is either of them twice.
      const kinds = await kindsOf(a, number);
      expect(kinds.filter((k) => k === 'sla-breach')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'sla-warning').length).toBeLessThanOrEqual(1);
      expect((await alertsOf(a.db.sql, number)).map((x) => x.kind)).toEqual(['warning', 'breach']);
      expect((await summaryOf(a.db.sql, number)).escalationLevel).toBe(1);
    }
  });

  it('record a breach once when both evaluate the ticket at the same moment', async () => {
    const clock = manualClock(new Date('2026-06-01T09:00:00Z'));
    const env = urgentFirstReply('1h', { SLA_URGENT_MENTION: '<!subteam^S123>' });
    const a = await start({ env, clock });
    const b = await start({ env, clock, db: a.db });
    const { number } = await openUrgentTicket(a);
    const ticketId = (await a.tickets.find(number))!.id;

    clock.advance(2 * 3_600_000);
    await Promise.all([a, b, a, b].map((app) => evaluateAsTimer(app, clock, ticketId)));

    expect(await kindsOf(a, number)).toEqual(['sla-breach']);
    expect((await slaEventsOf(a.db.sql, number))[0]!.data).toMatchObject({ level: 1, mentions: ['<!subteam^S123>'] });
    expect((await summaryOf(a.db.sql, number)).escalationLevel).toBe(1);
    expect((await alertsOf(a.db.sql, number)).map((x) => [x.kind, x.posted])).toEqual([
      ['warning', false],
      ['breach', true],
    ]);
  });
});

describe('a restart', () => {
  it('before the due time: the alerts fire after it, on time, once', async () => {
    const env = urgentFirstReply('4s');
    const first = await start({ env });
    const { number, createdAt } = await openUrgentTicket(first);
    await first.stop();
    const second = await start({ env, db: first.db });
    const restartedAt = new Date();
    expect(msBetween(createdAt, restartedAt)).toBeLessThan(3_000); // still before the warning

    await waitFor('the breach', async () => (await kindsOf(second, number)).includes('sla-breach'));
    await sleep(1_000);
    const alerts = await alertsOf(second.db.sql, number);
    expect(alerts.map((x) => x.kind)).toEqual(['warning', 'breach']);
    for (const alert of alerts) {
      expect(alert.firedAt.getTime()).toBeGreaterThan(restartedAt.getTime());
      expect(msBetween(alert.dueAt, alert.firedAt)).toBeLessThan(2_000);
    }
    expect(await kindsOf(second, number)).toEqual(['sla-warning', 'sla-breach']);
  });

  it('after a timer job was lost: the ticket is recomputed and its breach raised', async () => {
    const clock = manualClock(new Date('2026-06-01T09:00:00Z'));
    const env = urgentFirstReply('1h');
    const first = await start({ env, clock });
    const { number } = await openUrgentTicket(first);
    await first.stop();
    // What retries run out or a month of downtime would leave: a moment owed, no job for it.
    await first.db.sql`delete from pgboss.job where name = 'sla.timer'`;

    clock.advance(2 * 3_600_000);
    const second = await start({ env, clock, db: first.db });
    const breach = await waitFor('the breach', async () => (await slaEventsOf(second.db.sql, number)).find((e) => e.kind === 'sla-breach'));
    expect(breach.data).toMatchObject({ dueAt: '2026-06-01T10:00:00.000Z', level: 1 });
    expect((await summaryOf(second.db.sql, number)).timerAt).toBeNull();
  });

  it('with another policy recomputes open tickets once, and a restart with the same policy does not', async () => {
    const off = { nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null };
    const policy = (firstReply: string) => ({ SLA_TARGETS: JSON.stringify({ normal: { ...off, firstReply } }) });
    const recomputeJobs = async (app: TestSwitchboard) => {
      const [row] = await app.db.sql<{ count: number }[]>`
        select count(*)::int as count from pgboss.job where name = 'sla.timer' and data->>'recompute' = 'true'`;
      return row!.count;
    };

    const first = await start({ env: policy('1h') });
    const { number, createdAt } = await openTicket(first);
    expect((await summaryOf(first.db.sql, number)).slaDueAt).toEqual(new Date(createdAt.getTime() + 3_600_000));
    const resolved = await openTicket(first);
    await first.tickets.transition(resolved.number, 'resolve', 'U_AGENT');
    await first.stop();

    const second = await start({ env: policy('5s'), db: first.db });
    expect(await recomputeJobs(second)).toBe(1); // the open ticket only
    const due = new Date(createdAt.getTime() + 5_000);
    await waitFor('the new due time', async () => (await summaryOf(second.db.sql, number)).slaDueAt?.getTime() === due.getTime());
    await waitFor('the breach under the new policy', async () => (await kindsOf(second, number)).includes('sla-breach'));
    expect((await alertsOf(second.db.sql, number)).find((x) => x.kind === 'breach')!.dueAt).toEqual(due);
    await second.stop();

    const third = await start({ env: policy('5s'), db: first.db });
    expect(await recomputeJobs(third)).toBe(1);
  });
});
