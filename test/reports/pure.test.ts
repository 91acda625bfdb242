import { describe, expect, it } from 'vitest';
import { accessSigner } from '../../src/reports/access.ts';
import { csvField, csvLine } from '../../src/reports/csv.ts';
import { isoWeek, lastWeek, presetRange, previousRange, rangeFromQuery } from '../../src/reports/period.ts';
import { percentile, spreadOf } from '../../src/reports/summary.ts';
import { parseTicketCommand } from '../../src/slack/command-parse.ts';

describe('CSV cells', () => {
  it('quote what needs quoting and double quotes inside', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', ' padded', 12, -3.5, null, true, new Date('2026-06-01T09:00:00Z')])).toBe(
      'plain,"a,b","say ""hi""","two\nlines"," padded",12,-3.5,,true,2026-06-01T09:00:00.000Z\r\n',
    );
  });

  it('turn a cell that starts like a formula into text, and leave numbers we computed alone', () => {
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvField(formula).replace(/^"|"$/g, '').startsWith(`'`)).toBe(true);
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField(-5)).toBe('-5');
    expect(csvField(Number.NaN)).toBe('');
  });
});

describe('periods', () => {
  const now = new Date('2026-03-29T10:00:00Z'); // the morning Berlin moved to summer time

  it('start today at local midnight, and the last days a whole number of 24 hours back', () => {
    expect(presetRange('today', now, 'Europe/Berlin')).toEqual({ from: new Date('2026-03-28T23:00:00Z'), to: now });
    expect(presetRange('7d', now, 'UTC')).toEqual({ from: new Date('2026-03-22T10:00:00Z'), to: now });
    expect(previousRange({ from: new Date('2026-03-29T00:00:00Z'), to: now })).toEqual({ from: new Date('2026-03-28T14:00:00Z'), to: new Date('2026-03-29T00:00:00Z') });
  });

  it('give the digest the last whole local week and its ISO week key', () => {
    expect(lastWeek(new Date('2026-06-01T07:00:00Z'), 'Europe/Berlin')).toEqual({
      range: { from: new Date('2026-05-24T22:00:00Z'), to: new Date('2026-05-31T22:00:00Z') },
      week: '2026-W22',
    });
    expect(isoWeek({ year: 2027, month: 1, day: 1 })).toBe('2026-W53');
    expect(isoWeek({ year: 2025, month: 12, day: 29 })).toBe('2026-W01');
  });

  it('read from and to as local dates or instants with an offset, and name what is wrong', () => {
    expect(rangeFromQuery({ from: '2026-06-01', to: '2026-06-02' }, now, 'Europe/Berlin')).toEqual({ from: new Date('2026-05-31T22:00:00Z'), to: new Date('2026-06-01T22:00:00Z') });
    expect(rangeFromQuery({ from: '2026-06-01T09:00:00+02:00' }, new Date('2026-06-02T00:00:00Z'), 'UTC').from).toEqual(new Date('2026-06-01T07:00:00Z'));
    expect(rangeFromQuery({}, now, 'UTC')).toEqual({ from: new Date('2026-03-22T10:00:00Z'), to: now });
    const refusal = (query: Record<string, string>) => {
      try {
        rangeFromQuery(query, now, 'UTC');
      } catch (error) {
        return (error as { field: string }).field;
      }
      return undefined;
    };
    expect(refusal({ from: '2026-13-01' })).toBe('from');
    expect(refusal({ to: '1717225200' })).toBe('to');
    expect(refusal({ to: '2026-06-01T09:00:00' })).toBe('to');
    expect(refusal({ period: 'week' })).toBe('period');
  });
});

describe('percentiles', () => {
  it('interpolate between the closest ranks, as percentile_cont does', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([10], 0.9)).toBe(10);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1200, 5400, 6000, 6300], 0.9)).toBeCloseTo(6210);
    expect(spreadOf([6_300_000, 1_200_000, 6_000_000, 5_400_000])).toEqual({ medianSeconds: 5700, p90Seconds: 6210 });
  });
});

describe('dashboard links', () => {
  const signer = accessSigner('k'.repeat(43));

  it('open until they expire, for the agent they name, and only as what they are', () => {
    const link = signer.sign('link', 'U0AGENT001', 2_000);
    expect(signer.verify('link', link, 1_999)).toEqual({ ok: true, agent: 'U0AGENT001', expiresAt: 2_000 });
    expect(signer.verify('link', link, 2_000)).toEqual({ ok: false, why: 'expired' });
    expect(signer.verify('session', link, 1_000)).toEqual({ ok: false, why: 'invalid' });
  });

  it('refuse a changed payload, another key, or garbage', () => {
    const link = signer.sign('link', 'U0AGENT001', 2_000);
    const [payload, mac] = link.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 'link', a: 'U0AGENT001', x: 9_999_999 })).toString('base64url');
    expect(signer.verify('link', `${forged}.${mac}`, 1_000)).toEqual({ ok: false, why: 'invalid' });
    expect(accessSigner('other'.repeat(9)).verify('link', link, 1_000)).toEqual({ ok: false, why: 'invalid' });
    for (const garbage of ['', '.', 'x.y', `${payload}`, `${payload}.${mac}.x`]) expect(signer.verify('link', garbage, 1_000).ok).toBe(false);
  });
});

describe('/ticket stats and /ticket dashboard', () => {
  it('parse a period and a team, 7 days by default', () => {
    expect(parseTicketCommand('stats')).toEqual({ kind: 'stats', period: '7d', team: undefined });
    expect(parseTicketCommand('stats today')).toEqual({ kind: 'stats', period: 'today', team: undefined });
    expect(parseTicketCommand('stats 30d Billing')).toEqual({ kind: 'stats', period: '30d', team: 'billing' });
    expect(parseTicketCommand('stats billing')).toEqual({ kind: 'stats', period: '7d', team: 'billing' });
    expect(parseTicketCommand('stats 7d billing extra')).toMatchObject({ kind: 'invalid' });
    expect(parseTicketCommand('dashboard')).toEqual({ kind: 'dashboard' });
    expect(parseTicketCommand('dashboard now')).toMatchObject({ kind: 'invalid', message: 'Usage: `/ticket dashboard`' });
  });
});
