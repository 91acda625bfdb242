import { describe, expect, it } from 'vitest';
import { currentCycles } from '../../src/sla/clock.ts';
import { factFromMessage, type TicketFact } from '../../src/sla/facts.ts';
import { BERLIN_9_TO_5, H, created, customer, cycleOf, priority, reply, sla, status, t } from './helpers.ts';

describe('first reply time', () => {
  it('is met by the first agent reply, on time', () => {
    const state = sla([created(t('09:00')), reply(t('10:00'))], t('12:00'));
    expect(cycleOf(state, 'firstReply')).toMatchObject({
      cycle: 1,
      state: 'met',
      startedAt: t('09:00'),
      dueAt: t('13:00'),
      warnAt: t('12:00'),
      metAt: t('10:00'),
      breachedAt: null,
    });
  });

  it('breaches at its due time while no agent has replied', () => {
    const state = sla([created(t('09:00')), customer(t('09:00'))], t('14:00'));
    expect(cycleOf(state, 'firstReply')).toMatchObject({ state: 'running', dueAt: t('13:00'), breachedAt: t('13:00'), metAt: null });
    expect(cycleOf(state, 'firstReply')!.elapsedMs).toBe(5 * H);
  });

  it('records a late reply as met after the breach', () => {
    const state = sla([created(t('09:00')), reply(t('13:30'))], t('14:00'));
    expect(cycleOf(state, 'firstReply')).toMatchObject({ state: 'met', metAt: t('13:30'), breachedAt: t('13:00') });
  });

  it('is not met by a note, an automatic acknowledgement or a send that failed: they never become facts', () => {
    const messages = [
      { direction: 'inbound', createdAt: t('09:00') },
      { direction: 'outbound', createdAt: t('09:00'), delivery: 'delivered', sentAt: t('09:00'), automatic: true },
      { direction: 'note', createdAt: t('09:30') },
      { direction: 'system', createdAt: t('09:31') },
      { direction: 'outbound', createdAt: t('09:40'), delivery: 'failed' },
      { direction: 'outbound', createdAt: t('09:50'), delivery: 'queued' },
    ] as const;
    const facts = messages.map(factFromMessage);
    expect(facts).toEqual([{ kind: 'customer-message', at: t('09:00') }, null, null, null, null, null]);

    const state = sla([created(t('09:00')), ...facts.filter((f): f is TicketFact => f !== null)], t('10:00'));
    expect(cycleOf(state, 'firstReply')).toMatchObject({ state: 'running', metAt: null });
  });

  it('is met when the platform accepted the reply, not when it was queued', () => {
    const fact = factFromMessage({ direction: 'outbound', createdAt: t('09:50'), delivery: 'sent', sentAt: t('10:05') });
    expect(fact).toEqual({ kind: 'agent-reply', at: t('10:05') });
    expect(cycleOf(sla([created(t('09:00')), fact!], t('11:00')), 'firstReply')!.metAt).toEqual(t('10:05'));
  });
});

describe('next reply time', () => {
  it('does not start on customer messages before the first reply', () => {
    const state = sla([created(t('09:00')), customer(t('09:00')), customer(t('09:30'))], t('10:00'));
    expect(cycleOf(state, 'nextReply')).toBeUndefined();
  });

  it('starts with the first customer message after an agent reply and ends with the next reply', () => {
    const facts = [created(t('09:00')), customer(t('09:00')), reply(t('10:00')), customer(t('11:00')), customer(t('11:30')), reply(t('12:00'))];
    const state = sla(facts, t('12:30'));
    expect(cycleOf(state, 'nextReply', 1)).toMatchObject({ startedAt: t('11:00'), dueAt: t('13:00'), metAt: t('12:00'), state: 'met' });
    expect(cycleOf(state, 'nextReply', 2)).toBeUndefined();
  });

  it('counts a new cycle for each exchange', () => {
    const facts = [created(t('09:00')), reply(t('10:00')), customer(t('11:00')), reply(t('12:00')), customer(t('14:00'))];
    const state = sla(facts, t('17:00'));
    expect(cycleOf(state, 'nextReply')).toMatchObject({ cycle: 2, startedAt: t('14:00'), dueAt: t('16:00'), breachedAt: t('16:00') });
  });
});

describe('periodic update', () => {
  it('restarts at each agent reply while the ticket is unresolved', () => {
    const facts = [created(t('09:00')), reply(t('10:00')), reply(t('15:00'))];
    const state = sla(facts, t('16:00'));
    expect(state.cycles.filter((c) => c.metric === 'periodicUpdate').map((c) => [c.cycle, c.startedAt, c.state])).toEqual([
      [1, t('09:00'), 'met'],
      [2, t('10:00'), 'met'],
      [3, t('15:00'), 'running'],
    ]);
    expect(cycleOf(state, 'periodicUpdate')!.dueAt).toEqual(t('21:00'));
  });
});

describe('resolution time (pausable) and total resolution time', () => {
  it('moves the resolution due time by the 2h spent pending; total resolution does not move', () => {
    const facts = [created(t('09:00')), status(t('09:30'), 'open'), status(t('10:00'), 'pending'), status(t('12:00'), 'open')];
    const state = sla(facts, t('13:00'));
    expect(cycleOf(state, 'resolution')).toMatchObject({ state: 'running', dueAt: t('19:00'), warnAt: t('17:00') });
    expect(cycleOf(state, 'resolution')!.elapsedMs).toBe(2 * H);
    expect(cycleOf(state, 'totalResolution')!.dueAt).toEqual(t('09:00', 'tue'));
  });

  it('has no due time while pending, and says it is paused', () => {
    const state = sla([created(t('09:00')), status(t('10:00'), 'pending')], t('11:00'));
    expect(cycleOf(state, 'resolution')).toMatchObject({ state: 'paused', paused: true, dueAt: null, warnAt: null });
    expect(cycleOf(state, 'firstReply')).toMatchObject({ state: 'running', dueAt: t('13:00') });
  });

  it('moves the due time by 2h of business hours when pending for 2h', () => {
    // Berlin 9–17. Created Monday 09:00 (07:00Z): resolution (8h) due Monday 17:00 (15:00Z).
    // Pending 10:00–12:00 moves it to Tuesday 11:00 (09:00Z), past the night.
    const facts = [created(t('07:00')), status(t('08:00'), 'pending'), status(t('10:00'), 'open')];
    const env = { SLA_BUSINESS_HOURS: BERLIN_9_TO_5 };
    expect(cycleOf(sla(facts, t('07:30'), env), 'resolution')!.dueAt).toEqual(t('15:00'));
    expect(cycleOf(sla(facts, t('10:30'), env), 'resolution')!.dueAt).toEqual(t('09:00', 'tue'));
  });

  it('moves the due time by the business hours spent pending, across a night', () => {
    // Berlin 9–17. Created Monday 09:00 (07:00Z); pending Monday 16:00 → Tuesday 10:00, which
    // is 1h + 1h of business time: resolution (8h) is due Tuesday 11:00 instead of Monday 17:00.
    const facts = [created(t('07:00')), status(t('14:00'), 'pending'), status(t('08:00', 'tue'), 'open')];
    const state = sla(facts, t('08:30', 'tue'), { SLA_BUSINESS_HOURS: BERLIN_9_TO_5 });
    expect(cycleOf(state, 'resolution')!.dueAt).toEqual(t('09:00', 'tue'));
    expect(cycleOf(state, 'resolution')!.elapsedMs).toBe(7.5 * H);
  });

  it('is met when the ticket is resolved, and resumes with the resolved span left out on a reopen', () => {
    const facts = [created(t('09:00')), status(t('11:00'), 'resolved'), customer(t('13:00')), status(t('13:00'), 'open')];
    const resolved = sla(facts.slice(0, 2), t('12:00'));
    expect(cycleOf(resolved, 'resolution')).toMatchObject({ state: 'met', metAt: t('11:00') });
    expect(cycleOf(resolved, 'totalResolution')).toMatchObject({ state: 'met', metAt: t('11:00') });

    const reopened = sla(facts, t('14:00'));
    expect(cycleOf(reopened, 'resolution')).toMatchObject({ cycle: 1, state: 'running', metAt: null, dueAt: t('19:00') });
    expect(cycleOf(reopened, 'totalResolution')).toMatchObject({ cycle: 1, state: 'running', dueAt: t('11:00', 'tue') });
  });
});

describe('resolved and closed tickets', () => {
  const facts = [created(t('09:00')), customer(t('09:00')), reply(t('09:30')), customer(t('10:00')), status(t('10:30'), 'resolved')];

  it('stop every clock', () => {
    const state = sla(facts, t('20:00'));
    expect(currentCycles(state).map((c) => [c.metric, c.state])).toEqual([
      ['firstReply', 'met'],
      ['nextReply', 'stopped'],
      ['periodicUpdate', 'stopped'],
      ['resolution', 'met'],
      ['totalResolution', 'met'],
    ]);
    expect(state.cycles.every((c) => c.breachedAt === null)).toBe(true);
  });

  it('start next reply and a new periodic update on a reopen by the customer', () => {
    const state = sla([...facts, customer(t('15:00')), status(t('15:00'), 'open')], t('15:30'));
    expect(cycleOf(state, 'nextReply')).toMatchObject({ cycle: 2, startedAt: t('15:00'), state: 'running', dueAt: t('17:00') });
    expect(cycleOf(state, 'periodicUpdate')).toMatchObject({ cycle: 3, startedAt: t('15:00'), state: 'running' });
  });

  it('resume a first reply never given when the ticket is reopened, minus the resolved span', () => {
    const state = sla([created(t('09:00')), status(t('10:00'), 'resolved'), customer(t('12:00')), status(t('12:00'), 'open')], t('12:30'));
    expect(cycleOf(state, 'firstReply')).toMatchObject({ cycle: 1, state: 'running', dueAt: t('15:00') });
    expect(cycleOf(state, 'nextReply')).toBeUndefined();
  });

  it('end for good when closed, and ignore anything after', () => {
    const state = sla([created(t('09:00')), status(t('10:00'), 'closed'), status(t('11:00'), 'open')], t('20:00'));
    expect(state.status).toBe('closed');
    expect(currentCycles(state).map((c) => [c.metric, c.state])).toEqual([
      ['firstReply', 'stopped'],
      ['periodicUpdate', 'stopped'],
      ['resolution', 'met'],
      ['totalResolution', 'met'],
    ]);
  });
});

describe('priority changes', () => {
  it('recompute a running cycle from its start with the new target', () => {
    const facts = [created(t('09:00')), priority(t('09:10'), 'urgent')];
    expect(cycleOf(sla(facts, t('09:20')), 'firstReply')).toMatchObject({ priority: 'urgent', dueAt: t('09:30'), breachedAt: null });
    expect(cycleOf(sla(facts, t('09:40')), 'firstReply')!.breachedAt).toEqual(t('09:30'));
    expect(cycleOf(sla([created(t('09:00'), 'urgent'), priority(t('09:10'), 'low')], t('09:20')), 'firstReply')!.dueAt).toEqual(
      t('09:00', 'tue'),
    );
  });

  it('leave a cycle met under the old priority alone', () => {
    const state = sla([created(t('09:00')), reply(t('11:00')), priority(t('11:30'), 'urgent')], t('12:00'));
    expect(cycleOf(state, 'firstReply')).toMatchObject({ priority: 'normal', state: 'met', breachedAt: null });
  });

  it('drop a metric the new priority has no target for', () => {
    const env = { SLA_TARGETS: '{"normal":{"periodicUpdate":"6h"},"low":{"periodicUpdate":null}}' };
    const facts = [created(t('09:00')), priority(t('09:10'), 'low')];
    expect(cycleOf(sla(facts, t('09:05'), env), 'periodicUpdate')).toMatchObject({ state: 'running' });
    expect(cycleOf(sla(facts, t('09:20'), env), 'periodicUpdate')).toBeUndefined();
  });
});

describe('warnings', () => {
  it('fall at 75% of the target in calendar hours', () => {
    expect(cycleOf(sla([created(t('09:00'))], t('09:00')), 'firstReply')!.warnAt).toEqual(t('12:00'));
  });

  it('fall at the configured share of the target in working time under business hours', () => {
    // Created Monday 16:00 Berlin (14:00Z): 4h of business time is due Tuesday 12:00, 3h of
    // it (75%) is reached Tuesday 11:00, not at 75% of the 20 calendar hours in between.
    const state = sla([created(t('14:00'))], t('14:00'), { SLA_BUSINESS_HOURS: BERLIN_9_TO_5 });
    expect(cycleOf(state, 'firstReply')).toMatchObject({ dueAt: t('10:00', 'tue'), warnAt: t('09:00', 'tue') });
    const half = sla([created(t('14:00'))], t('14:00'), { SLA_BUSINESS_HOURS: BERLIN_9_TO_5, SLA_WARN_AT: '50%' });
    expect(cycleOf(half, 'firstReply')!.warnAt).toEqual(t('08:00', 'tue'));
  });
});

describe('the history given', () => {
  it('is read in time order, and facts after now are not yet known', () => {
    const state = sla([reply(t('10:00')), created(t('09:00'))], t('09:30'));
    expect(cycleOf(state, 'firstReply')).toMatchObject({ state: 'running', metAt: null });
  });

  it('must start with the creation', () => {
    expect(() => sla([reply(t('10:00'))], t('11:00'))).toThrow(/starts with its creation/);
  });
});
