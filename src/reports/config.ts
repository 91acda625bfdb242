import { CronExpressionParser } from 'cron-parser';
import type { EnvReader } from '../shared/env.ts';
import { isTimeZone } from '../sla/zoned.ts';
import type { SlaPolicy } from '../sla/types.ts';

/** Reporting's settings (REPORTS_*, DIGEST_*, DASHBOARD_*, METRICS_TOKEN), parsed once at start-up. */
export interface ReportsConfig {
  /** Where "today", days, weeks and hours of the week begin (an IANA zone). */
  timezone: string;
  /** The weekly digest: the Slack channel it goes to and when (a cron expression in `timezone`); null when off. */
  digest: { channel: string; schedule: string } | null;
  /** Bearer token `GET /metrics` asks for; open when unset. */
  metricsToken: string | undefined;
  /** How long a `/ticket dashboard` link can be opened. */
  linkTtlMs: number;
  /** How long the session a link opens lasts. */
  sessionTtlMs: number;
}

// Monday 09:00: the digest is waiting when the managers' week starts.
export const DEFAULT_DIGEST_SCHEDULE = '0 9 * * 1';
const CHANNEL_ID = /^[CG][A-Z0-9]{2,}$/;

/**
 * Reads the reporting variables; problems go on the reader. The time zone defaults to the SLA
 * business hours' (so "today" is the desk's day), else UTC.
 */
export function parseReportsConfig(env: EnvReader, sla: SlaPolicy): ReportsConfig {
  let timezone = env.text('REPORTS_TIMEZONE') ?? sla.businessHours?.timezone ?? 'UTC';
  if (!isTimeZone(timezone)) {
    env.problem('REPORTS_TIMEZONE', 'is not a time zone: write an IANA name like Europe/Berlin or UTC');
    timezone = 'UTC';
  }
  const channel = env.text('DIGEST_CHANNEL');
  if (channel && !CHANNEL_ID.test(channel)) env.problem('DIGEST_CHANNEL', "must be a channel id like C0123456789, not a name; find it in the channel's details");
  const schedule = env.text('DIGEST_SCHEDULE') ?? DEFAULT_DIGEST_SCHEDULE;
  if (!validSchedule(schedule, timezone)) {
    env.problem('DIGEST_SCHEDULE', 'is not a cron expression of five fields (minute hour day-of-month month day-of-week), like "0 9 * * 1" for Mondays at 09:00');
  }
  const metricsToken = env.text('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) env.problem('METRICS_TOKEN', 'must be at least 16 characters');
  return {
    timezone,
    digest: channel ? { channel, schedule } : null,
    metricsToken,
    linkTtlMs: env.duration('DASHBOARD_LINK_TTL', 60 * 60_000),
    sessionTtlMs: env.duration('DASHBOARD_SESSION_TTL', 12 * 60 * 60_000),
  };
}

function validSchedule(expression: string, timezone: string): boolean {
  if (expression.trim().split(/\s+/).length !== 5) return false;
  try {
    CronExpressionParser.parse(expression, { tz: timezone, strict: false });
    return true;
  } catch {
    return false;
  }
}
