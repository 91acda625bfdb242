import { describe, expect, it } from 'vitest';
import { alertKey, alertsDue, earliestDue, nextTimer } from '../../src/sla/alerts.ts';
import { BERLIN_9_TO_5, created, customer, reply, priority, sla, status, t } from './helpers.ts';

// Urgent tickets with only a first-reply target (30m), a two-step ladder and an urgent mention.
const LADDERED = {
  SLA_TARGETS: JSON.stringify({ urgent: { nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null } }),
  SLA_LADDER: JSON.stringify([
    { after: '30m', mention: '<!subteam^S456>' },
    { after: '2h', mention: '<@U999>' },
  ]),
  SLA_URGENT_MENTION: '<!subteam^S123>',
};
const urgent = [created(t('09:00'), 'urgent')];
const summary = (alerts: ReturnType<typeof alertsDue>) => alerts.map((a) => [a.kind, a.at, a.mention, a.superseded]);

describe('alerts due', () => {
  it('warn at 75% and breach at 100% of the target, once each by key', () => {
    expect(alertsDue(sla(urgent, t('09:20'), LADDERED))).toEqual([]);
    const atWarning = alertsDue(sla(urgent, t('09:23'), LADDERED));
    expect(atWarning).toEqual([
      {
        key: 'sla:42:firstReply:1:warning',
        ticket: 42,
        metric: 'firstReply',
        cycle: 1,
        priority: 'urgent',
        kind: 'warning',
        at: new Date('2026-06-01T09:22:30Z'),
        mention: null,
        live: true,
        superseded: false,
      },
    ]);
  });

  it('climb the ladder after a breach while the target stays unmet, mentioning each step', () => {
    expect(summary(alertsDue(sla(urgent, t('10:05'), LADDERED)))).toEqual([
      ['warning', new Date('2026-06-01T09:22:30Z'), null, true],
      ['breach', t('09:30'), '<!subteam^S123>', false],
      ['ladder-1', t('10:00'), '<!subteam^S456>', false],
    ]);
    expect(alertsDue(sla(urgent, t('11:30'), LADDERED)).map((a) => a.kind)).toEqual(['warning', 'breach', 'ladder-1', 'ladder-2']);
  });

  it('stop climbing once the target is met', () => {
    const state = sla([...urgent, reply(t('10:10'))], t('13:00'), LADDERED);
    expect(alertsDue(state).map((a) => [a.kind, a.live])).toEqual([
      ['warning', false],
      ['breach', false],
      ['ladder-1', false],
    ]);
    expect(nextTimer(state)).toBeNull();
  });

  it('mention the urgent group only on urgent breaches', () => {
    const state = sla([created(t('09:00'))], t('14:00'), { SLA_URGENT_MENTION: '<!subteam^S123>' });
    const breach = alertsDue(state).find((a) => a.metric === 'firstReply' && a.kind === 'breach');
    expect(breach).toMatchObject({ priority: 'normal', mention: null });
  });

  it('count ladder steps in business hours: a Friday-evening breach escalates on Monday morning', () => {
    // Urgent, Berlin 9–17: created Friday 16:50 (14:50Z); 10 minutes count on Friday, the
    // rest on Monday: warning 09:12:30, breach 09:20, first ladder step 09:50 (all local).
    const friday = [created(new Date('2026-06-05T14:50:00Z'), 'urgent')];
    const state = sla(friday, new Date('2026-06-06T12:00:00Z'), { ...LADDERED, SLA_BUSINESS_HOURS: BERLIN_9_TO_5 });
    expect(alertsDue(state)).toEqual([]);
    expect(nextTimer(state)).toEqual(new Date('2026-06-08T07:12:30Z'));
    const monday = sla(friday, new Date('2026-06-08T08:00:00Z'), { ...LADDERED, SLA_BUSINESS_HOURS: BERLIN_9_TO_5 });
    expect(summary(alertsDue(monday)).map(([kind, at]) => [kind, at])).toEqual([
      ['warning', new Date('2026-06-08T07:12:30Z')],
      ['breach', new Date('2026-06-08T07:20:00Z')],
      ['ladder-1', new Date('2026-06-08T07:50:00Z')],
    ]);
  });

  it('are not raised by a cycle met at the very instant it fell due', () => {
    expect(alertsDue(sla([...urgent, reply(t('09:30'))], t('12:00'), LADDERED)).map((a) => a.kind)).toEqual(['warning']);
  });

  it('keep their keys when the state is recomputed later and with more history', () => {
    const keysAt = (facts: Parameters<typeof sla>[0], now: Date) => alertsDue(sla(facts, now)).map((a) => a.key);
    const facts = [created(t('09:00')), reply(t('10:00')), customer(t('11:00'))];
    const early = keysAt(facts, t('13:30'));
    const later = keysAt([...facts, customer(t('13:40')), priority(t('13:45'), 'normal'), reply(t('14:00'))], t('15:00'));
    expect(early).toContain('sla:42:nextReply:1:breach');
    expect(later).toEqual(expect.arrayContaining(early));
    expect(alertKey(42, 'nextReply', 1, 'breach')).toBe('sla:42:nextReply:1:breach');
  });
});

describe('the next timer', () => {
  it('is the earliest upcoming warning or due time among running cycles', () => {
    // Normal: first reply warns at 12:00 (4h target), periodic update at 13:30 (6h),
    // resolution at 15:00 (8h), total resolution at 03:00 the next day (1d).
    expect(nextTimer(sla([created(t('09:00'))], t('09:00')))).toEqual(t('12:00'));
    expect(nextTimer(sla([created(t('09:00'))], t('12:00')))).toEqual(t('13:00'));
    expect(nextTimer(sla([created(t('09:00')), reply(t('10:00'))], t('10:00')))).toEqual(t('14:30'));
  });

  it('ignores paused cycles, and moves when the customer answers a pending ticket', () => {
    const env = { SLA_TARGETS: '{"normal":{"firstReply":null,"periodicUpdate":null,"totalResolution":null}}' };
    const pending = [created(t('09:00')), status(t('10:00'), 'pending')];
    expect(nextTimer(sla(pending, t('11:00'), env))).toBeNull();
    const answered = [...pending, customer(t('12:00')), status(t('12:00'), 'open')];
    // Resolution 2d by default for normal: 1h used, warning at 36h of counted time.
    expect(nextTimer(sla(answered, t('12:00'), env))).toEqual(t('23:00', 'tue'));
  });

  it('skips marks already recorded, such as a warning a priority change moved later', () => {
    const state = sla([created(t('09:00'))], t('09:00'));
    const recorded = new Set([alertKey(42, 'firstReply', 1, 'warning')]);
    expect(nextTimer(state, t('09:00'), recorded)).toEqual(t('13:00'));
  });

  it('is null once the ticket is resolved', () => {
    expect(nextTimer(sla([created(t('09:00')), status(t('09:30'), 'resolved')], t('09:30')))).toBeNull();
  });
});

describe('the earliest due time', () => {
  it('is the soonest due among running cycles, for the card', () => {
    const state = sla([created(t('09:00')), reply(t('10:00')), customer(t('10:30'))], t('10:30'));
    expect(earliestDue(state)).toMatchObject({ metric: 'nextReply', dueAt: t('12:30') });
  });
});
