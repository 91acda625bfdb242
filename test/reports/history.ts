/**
 * A scripted desk history with known timings, played on a real Switchboard under a manual
 * clock: customers write through the API channel, agents reply (delivered to the customer's
 * webhook), claim, set pending and resolve through the ticket service, and the SLA engine's
 * timer jobs record breaches as they would. CSAT answers and a merge (other issues' features,
 * not on main yet) are written as those features record them: events through the core's
 * events-recording function.
 *
 * Business hours are Monday to Friday, 09:00–17:00 UTC. SLA: first reply 1h, resolution 8h
 * (business hours), other targets off. Everything happens on Monday 2026-06-01 except #T0.
 */
import { expect } from 'vitest';
import type { Sql } from '../../src/db/index.ts';
import type { manualClock } from '../../src/shared/clock.ts';
import type { Tickets } from '../../src/tickets/index.ts';
import { insertEvents } from '../../src/tickets/events-sql.ts';

export const ADA = 'U0AGENT001';
export const GRACE = 'U0AGENT002';

export const HISTORY_ENV = {
  SLA_TARGETS: JSON.stringify({
    urgent: null,
    high: null,
    low: null,
    normal: { firstReply: '1h', nextReply: null, periodicUpdate: null, resolution: '8h', totalResolution: null },
  }),
  SLA_BUSINESS_HOURS: JSON.stringify({
    timezone: 'UTC',
    hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => [day, ['09:00', '17:00']])),
  }),
};

/** Friday 2026-05-29 10:00 UTC: where the clock starts. */
export const HISTORY_START = new Date('2026-05-29T10:00:00Z');
/** Monday 12:30 UTC: where the clock stops. */
export const HISTORY_END = new Date('2026-06-01T12:30:00Z');

export interface Desk {
  sql: Sql;
  tickets: Tickets;
  clock: ReturnType<typeof manualClock>;
  /** A customer message through the API channel; the ticket number. */
  write(from: string, text: string, name?: string): Promise<number>;
}

const monday = (hhmm: string) => new Date(`2026-06-01T${hhmm}:00Z`);

async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function eventOf(sql: Sql, number: number, kind: string, match: (data: Record<string, unknown>) => boolean = () => true) {
  const rows = await sql<{ data: Record<string, unknown> }[]>`
    select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = ${kind} order by e.id`;
  return rows.find((r) => match(r.data));
}

/** Plays the history; returns the ticket numbers by name. */
export async function playHistory(desk: Desk): Promise<Record<'T0' | 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6' | 'T7', number>> {
  const { tickets, clock, sql } = desk;
  const at = (time: Date) => clock.set(time);
  /** An agent's reply, waited for until the platform has it (its reply-sent event). */
  const reply = async (number: number, agent: string, text: string) => {
    const message = await tickets.reply({ ticket: number, author: agent, text });
    await waitFor(`the reply on #${number} to be sent`, () => eventOf(sql, number, 'reply-sent', (d) => d.messageId === message.id));
  };
  const breach = (number: number) => waitFor(`the SLA breach of #${number}`, () => eventOf(sql, number, 'sla-breach'));

  // T0: Friday, answered at once, never resolved: in the backlog, 3 days old on Monday, its
  // resolution target (8 business hours) runs out Monday 10:00 with nobody looking.
  at(HISTORY_START);
  const T0 = await desk.write('t0@example.com', 'Friday problem');
  clock.advance(30 * 60_000);
  await reply(T0, ADA, 'looking');

  // T1: before opening hours; answered 09:30 (1h30m, 30m business), resolved 10:00: one reply, FCR.
  at(monday('08:00'));
  const T1 = await desk.write('t1@example.com', 'order missing');
  // T2: answered by Grace after 20m and again, resolved 11:00: two replies, not FCR.
  at(monday('09:00'));
  const T2 = await desk.write('t2@example.com', 'refund please');
  // T3: nobody answers within the hour (due 10:10): claimed after the due time, the engine
  // records a live breach; answered 10:50, resolved 11:00, reopened by the customer, resolved 12:10.
  at(monday('09:10'));
  const T3 = await desk.write('t3@example.com', 'cannot log in');
  at(monday('09:20'));
  await reply(T2, GRACE, 'refund on its way');
  at(monday('09:30'));
  await reply(T1, ADA, 'found it');
  at(monday('09:40'));
  await reply(T2, GRACE, 'done');
  at(monday('10:00'));
  await tickets.transition(T1, 'resolve', ADA);
  // T4: answered 11:45, after its 11:00 due time: a late breach, recorded when the reply lands.
  const T4 = await desk.write('t4@example.com', 'wrong size');
  at(monday('10:20'));
  await tickets.claim(T3, ADA);
  expect((await breach(T3)).data.late).toBeUndefined();
  // Claimed before its due time, so the reply itself changes no status and nothing looks at
  // the clock until the reply has landed.
  at(monday('10:40'));
  await tickets.claim(T4, ADA);
  at(monday('10:50'));
  await reply(T3, ADA, 'try again now');
  at(monday('11:00'));
  await tickets.transition(T2, 'resolve', GRACE);
  await tickets.transition(T3, 'resolve', ADA);
  at(monday('11:30'));
  expect(await desk.write('t3@example.com', 'still broken')).toBe(T3);
  at(monday('11:45'));
  await reply(T4, ADA, 'exchange sent');
  expect((await breach(T4)).data.late).toBe(true);
  // T5: new at 12:00, set pending at 12:05; T6: new at 12:10; neither has reached a due time.
  at(monday('12:00'));
  const T5 = await desk.write('t5@example.com', 'question');
  at(monday('12:05'));
  await tickets.transition(T5, 'set-pending', ADA);
  at(monday('12:10'));
  const T6 = await desk.write('t6@example.com', 'another question');
  await tickets.transition(T3, 'resolve', ADA);
  // T7: a duplicate, closed by a merge at 12:20: no resolution.
  at(monday('12:15'));
  const T7 = await desk.write('t7@example.com', 'same as before');
  at(monday('12:20'));
  await mergeAway(sql, T7, T6, monday('12:20'));

  // CSAT, as the survey feature records it: asked on T1, T2 and T3; T1 answered 5, T2 answered 4.
  await csatEvents(sql, [
    [T1, 'csat-requested', { messageId: null }, monday('10:00')],
    [T2, 'csat-requested', { messageId: null }, monday('11:00')],
    [T3, 'csat-requested', { messageId: null }, monday('11:00')],
    [T1, 'csat', { score: 5, comment: 'quick, thanks' }, monday('10:30')],
    [T2, 'csat', { score: 4, comment: null }, monday('11:30')],
  ]);
  at(HISTORY_END);
  return { T0, T1, T2, T3, T4, T5, T6, T7 };
}

async function idOf(sql: Sql, number: number): Promise<number> {
  const [row] = await sql<{ id: number }[]>`select id from tickets where number = ${number}`;
  return row!.id;
}

async function csatEvents(sql: Sql, rows: [number, string, Record<string, unknown>, Date][]) {
  const events = [];
  for (const [number, kind, data, at] of rows) events.push({ ticketId: await idOf(sql, number), number, kind, actor: 'customer', data, at });
  await insertEvents(sql, events as never);
}

/** Closes `number` into `into` as the merge feature does: a `status` event with reason `merged`. */
async function mergeAway(sql: Sql, number: number, into: number, at: Date) {
  const id = await idOf(sql, number);
  await sql.begin(async (tx) => {
    await tx`update tickets set status = 'closed', closed_at = ${at} where id = ${id}`;
    await insertEvents(tx, [
      { ticketId: id, number, kind: 'status', actor: ADA, data: { from: 'new', to: 'closed', reason: 'merged' }, at },
      { ticketId: id, number, kind: 'merged', actor: ADA, data: { into }, at },
    ] as never);
  });
}

/** What the history must give for Monday (REPORTS_TIMEZONE UTC), as of Monday 12:30. */
export const EXPECTED = {
  tickets: { created: 7, resolved: 3, reopened: 1 },
  // First responses 20m (T2), 1h30m (T1), 1h40m (T3), 1h45m (T4); business: 20m, 30m, 1h40m, 1h45m.
  firstResponse: { count: 4, calendar: { medianSeconds: 5700, p90Seconds: 6210 }, business: { medianSeconds: 3900, p90Seconds: 6210 } },
  // Resolutions 2h (T1), 2h (T2), 3h (T3, latest resolution); business 1h, 2h, 3h.
  resolution: { count: 3, calendar: { medianSeconds: 7200, p90Seconds: 10080 }, business: { medianSeconds: 7200, p90Seconds: 10080 } },
  sla: {
    targets: [
      { metric: 'firstReply', met: 2, breached: 1, breachedLate: 1, attainment: 0.5 },
      { metric: 'resolution', met: 3, breached: 1, breachedLate: 0, attainment: 0.75 },
    ],
    overall: { met: 5, breached: 2, breachedLate: 1, attainment: 0.625 },
  },
  fcr: { resolved: 3, firstContact: 1, rate: 1 / 3 },
  backlog: {
    total: 4,
    byStatus: { new: 1, open: 2, pending: 1 },
    byAge: [
      { bucket: 'under 4h', count: 3 },
      { bucket: '4-24h', count: 0 },
      { bucket: '1-3d', count: 0 },
      { bucket: '3-7d', count: 1 },
      { bucket: 'over 7d', count: 0 },
    ],
  },
  csat: { responses: 2, requested: 3, average: 4.5, distribution: { 1: 0, 2: 0, 3: 0, 4: 1, 5: 1 }, responseRate: 2 / 3 },
  agents: [
    { agent: ADA, open: 2, resolved: 2, replies: 3, firstResponseMedianSeconds: 6000 },
    { agent: GRACE, open: 0, resolved: 1, replies: 2, firstResponseMedianSeconds: 1200 },
  ],
};
