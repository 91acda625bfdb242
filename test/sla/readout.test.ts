import { describe, expect, it } from 'vitest';
import { alertsDue } from '../../src/sla/alerts.ts';
import { factsFromRows, noticeFor, summaryOf, targetsOf } from '../../src/sla/readout.ts';
import type { FactRow } from '../../src/sla/sla-sql.ts';
import { created, customer, reply, sla, status, t } from './helpers.ts';

const URGENT_ONLY_FIRST_REPLY = {
  SLA_TARGETS: JSON.stringify({ urgent: { nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null } }),
  SLA_URGENT_MENTION: '<!subteam^S123> <@U0LEAD>',
  SLA_LADDER: JSON.stringify([{ after: '30m', mention: '<!subteam^S456>' }]),
};
const urgent = [created(t('09:00'), 'urgent')];
const noticeAt = (facts: Parameters<typeof sla>[0], now: Date, kind: string) => {
  const state = sla(facts, now, URGENT_ONLY_FIRST_REPLY);
  const alert = alertsDue(state).find((a) => a.kind === kind)!;
  return noticeFor(alert, state.cycles.find((c) => c.metric === alert.metric && c.cycle === alert.cycle)!, now);
};

describe('stored rows as facts', () => {
  const row = (kind: FactRow['kind'], at: Date, value: string | null, extra: Partial<FactRow> = {}): FactRow => ({
    kind,
    at,
    value,
    sentAt: null,
    automatic: false,
    ...extra,
  });

  it('keep creation, status, priority, customer messages and replies that reached the customer', () => {
    expect(
      factsFromRows([
        row('created', t('09:00'), 'high'),
        row('inbound', t('09:00'), null),
        row('outbound', t('09:05'), 'delivered', { sentAt: t('09:06') }),
        row('status', t('09:10'), 'pending'),
        row('priority', t('09:20'), 'urgent'),
      ]),
    ).toEqual([
      { kind: 'created', at: t('09:00'), priority: 'high' },
      { kind: 'customer-message', at: t('09:00') },
      { kind: 'agent-reply', at: t('09:06') },
      { kind: 'status', at: t('09:10'), status: 'pending' },
      { kind: 'priority', at: t('09:20'), priority: 'urgent' },
    ]);
  });

  it('leave out replies not sent, automatic messages and values they do not know', () => {
    expect(
      factsFromRows([
        row('outbound', t('09:05'), 'queued', { sentAt: t('09:05') }),
        row('outbound', t('09:06'), 'failed'),
        row('outbound', t('09:07'), 'sent', { sentAt: t('09:07'), automatic: true }),
        row('status', t('09:10'), 'archived'),
      ]),
    ).toEqual([]);
  });
});

describe('the summary and the targets', () => {
  it('show the nearest running due time, and a breach only while its target is unmet', () => {
    const breached = sla([created(t('09:00'))], t('14:00'));
    expect(summaryOf(breached)).toEqual({ dueAt: t('13:00'), dueMetric: 'firstReply', breachedAt: t('13:00') });
    const answered = sla([created(t('09:00')), reply(t('14:00'))], t('14:00'));
    expect(summaryOf(answered).breachedAt).toBeNull();
    expect(targetsOf(answered).map((target) => target.metric)).toEqual(['periodicUpdate', 'resolution', 'totalResolution']);
  });

  it('list a paused target without a due time', () => {
    const pending = sla([created(t('09:00')), reply(t('09:30')), status(t('10:00'), 'pending')], t('11:00'));
    expect(targetsOf(pending).find((target) => target.metric === 'resolution')).toEqual({
      metric: 'resolution',
      dueAt: null,
      paused: true,
      breachedAt: null,
    });
  });

  it('list nothing once the ticket is resolved', () => {
    expect(targetsOf(sla([created(t('09:00')), customer(t('09:10')), status(t('10:00'), 'resolved')], t('11:00')))).toEqual([]);
  });
});

describe('the event an alert becomes', () => {
  it('a breach escalates and carries every urgent mention', () => {
    expect(noticeAt(urgent, t('09:31'), 'breach')).toEqual({
      kind: 'sla-breach',
      data: { metric: 'firstReply', cycle: 1, dueAt: t('09:30').toISOString(), waitingMs: 31 * 60_000, mentions: ['<!subteam^S123>', '<@U0LEAD>'] },
      escalate: true,
    });
  });

  it('a breach found after the reply is late: recorded, escalating nobody', () => {
    expect(noticeAt([...urgent, reply(t('09:45'))], t('09:46'), 'breach')).toMatchObject({
      kind: 'sla-breach',
      data: { late: true, mentions: [] },
      escalate: false,
    });
  });

  it('a warning says how long is left, and is dropped under its breach', () => {
    expect(noticeAt(urgent, t('09:25'), 'warning')).toEqual({
      kind: 'sla-warning',
      data: { metric: 'firstReply', cycle: 1, dueAt: t('09:30').toISOString(), leftMs: 5 * 60_000 },
      escalate: false,
    });
    expect(noticeAt(urgent, t('09:31'), 'warning')).toBeNull();
  });

  it('a ladder step names its step and its mention', () => {
    expect(noticeAt(urgent, t('10:00'), 'ladder-1')).toEqual({
      kind: 'sla-ladder',
      data: { metric: 'firstReply', cycle: 1, step: 1, waitingMs: 60 * 60_000, mentions: ['<!subteam^S456>'] },
      escalate: false,
    });
  });
});
