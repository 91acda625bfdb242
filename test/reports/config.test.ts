import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { configProblems } from '../helpers/env.ts';

const problemsOf = configProblems;

describe('reporting configuration', () => {
  it('defaults: UTC (or the business hours’ zone), no digest, open metrics, a one-hour link, a twelve-hour session', () => {
    expect(loadConfig({}).reports).toEqual({ timezone: 'UTC', digest: null, metricsToken: undefined, linkTtlMs: 3_600_000, sessionTtlMs: 43_200_000 });
    const hours = JSON.stringify({ timezone: 'Europe/Berlin', hours: { mon: [['09:00', '17:00']] } });
    expect(loadConfig({ SLA_BUSINESS_HOURS: hours }).reports.timezone).toBe('Europe/Berlin');
    expect(loadConfig({ SLA_BUSINESS_HOURS: hours, REPORTS_TIMEZONE: 'America/New_York' }).reports.timezone).toBe('America/New_York');
    expect(loadConfig({ DIGEST_CHANNEL: 'C0DIGEST01' }).reports.digest).toEqual({ channel: 'C0DIGEST01', schedule: '0 9 * * 1' });
  });

  it('names every bad reporting variable, and never echoes the metrics token', () => {
    const problems = problemsOf({
      REPORTS_TIMEZONE: 'Mars/Base',
      DIGEST_CHANNEL: '#managers',
      DIGEST_SCHEDULE: 'every monday',
      METRICS_TOKEN: 'short-secret',
      DASHBOARD_LINK_TTL: 'an hour',
      DASHBOARD_SESSION_TTL: '12 hours',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(['DASHBOARD_LINK_TTL', 'DASHBOARD_SESSION_TTL', 'DIGEST_CHANNEL', 'DIGEST_SCHEDULE', 'METRICS_TOKEN', 'REPORTS_TIMEZONE']);
    expect(JSON.stringify(problems)).not.toContain('short-secret');
    expect(problemsOf({ DIGEST_SCHEDULE: '0 9 * * 8' }).map((p) => p.variable)).toEqual(['DIGEST_SCHEDULE']);
  });
});
