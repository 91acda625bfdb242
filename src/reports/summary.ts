/**
 * The summary of a period: every figure the dashboard, `/ticket stats`, the weekly digest and
 * `GET /api/v1/reports/summary` show, from the queries of reports-sql.ts. Calendar-hour
 * percentiles are computed by Postgres; business-hour ones here, over the same tickets, with the
 * SLA's own calendar (SLA_BUSINESS_HOURS) and the same interpolation as percentile_cont.
 */
import type { Db } from '../db/index.ts';
import { businessHours } from '../sla/calendar.ts';
import type { ScopedPolicy, SlaScope } from '../sla/scopes.ts';
import type { SlaPolicy } from '../sla/types.ts';
import { slaAttainment, type SlaAttainment } from './attainment.ts';
import {
  AGE_BUCKETS,
  agentActivity,
  backlogAt,
  channelVolume,
  csat,
  hourOfWeek,
  listFirstResponses,
  listResolutions,
  series,
  teamVolume,
  ticketCounts,
  timeSpreads,
  type AgeBucket,
  type CsatRow,
  type Range,
  type Scope,
  type Spread,
} from './reports-sql.ts';

/** Median and p90 of a set of durations, in seconds. */
export interface Times {
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/** A duration figure: how many tickets it covers, in calendar hours and (when configured) business hours. */
export interface DurationFigure {
  count: number;
  calendar: Times;
  business: Times | null;
}

export interface Summary {
  period: { from: string; to: string; timezone: string };
  scope: { team: string | null; agent: string | null; channel: string | null };
  tickets: { created: number; resolved: number; reopened: number };
  firstResponse: DurationFigure;
  resolution: DurationFigure;
  sla: SlaAttainment;
  fcr: { resolved: number; firstContact: number; rate: number | null };
  csat: CsatRow & { responseRate: number | null };
  backlog: { at: string; total: number; byStatus: { new: number; open: number; pending: number }; byAge: { bucket: AgeBucket; count: number }[] };
  agents: { agent: string; open: number; resolved: number; replies: number; firstResponseMedianSeconds: number | null }[];
  /** Per team (by its name; null for tickets of no team): open now, created and resolved in the period. */
  teams: { team: string | null; open: number; created: number; resolved: number }[];
  channels: { channel: string; tickets: number; messages: number }[];
  /** Tickets created by ISO weekday (index 0 Monday … 6 Sunday) and hour (0–23) in the time zone. */
  hourOfWeek: number[][];
  series: { unit: 'day' | 'hour'; points: { start: string; created: number; resolved: number; firstResponseMedianSeconds: number | null }[] };
}

export interface SummaryDeps {
  sql: Db;
  policy: SlaPolicy;
  /** The policy of a ticket's team and contact tags (switchboard.yml); without it, `policy` for all. */
  scoped?: (ticket: SlaScope) => ScopedPolicy;
  timezone: string;
}

// Up to two days the series is hourly; longer, daily.
const HOURLY_UP_TO_MS = 2 * 86_400_000;

/** Every figure of `range` for the tickets in `scope`, as of `now`. */
export async function summarize(deps: SummaryDeps, range: Range, scope: Scope, now: Date): Promise<Summary> {
  const { sql, timezone } = deps;
  const unit = range.to.getTime() - range.from.getTime() <= HOURLY_UP_TO_MS ? 'hour' : 'day';
  const backlogInstant = new Date(Math.min(range.to.getTime(), now.getTime()));
  const [spreads, counts, firsts, resolved, attainment, satisfaction, backlog, activity, channels, hours, points, teamCreated] = await Promise.all([
    timeSpreads(sql, range, scope),
    ticketCounts(sql, range, scope),
    listFirstResponses(sql, range, scope),
    listResolutions(sql, range, scope),
    slaAttainment(sql, deps.policy, range, scope, now, deps.scoped),
    csat(sql, range, scope),
    backlogAt(sql, backlogInstant, scope),
    agentActivity(sql, range, scope),
    channelVolume(sql, range, scope),
    hourOfWeek(sql, range, scope, timezone),
    series(sql, range, scope, timezone, unit),
    teamVolume(sql, range, scope),
  ]);

  const calendar = deps.policy.businessHours ? businessHours(deps.policy.businessHours) : null;
  const business = (pairs: [Date, Date][]): Times | null => (calendar ? spreadOf(pairs.map(([a, b]) => calendar.workingTimeBetween(a, b))) : null);

  const byStatus = { new: 0, open: 0, pending: 0 };
  const byAge = new Map<AgeBucket, number>(AGE_BUCKETS.map((b) => [b, 0]));
  const openBy = new Map<string, number>();
  for (const row of backlog) {
    byStatus[row.status] += row.count;
    byAge.set(row.bucket, byAge.get(row.bucket)! + row.count);
    if (row.assignee) openBy.set(row.assignee, (openBy.get(row.assignee) ?? 0) + row.count);
  }
  const resolvedBy = new Map<string, number>();
  for (const row of resolved) if (row.assignee) resolvedBy.set(row.assignee, (resolvedBy.get(row.assignee) ?? 0) + 1);
  const teams = new Map<string | null, { team: string | null; open: number; created: number; resolved: number }>();
  const team = (name: string | null) => teams.get(name) ?? teams.set(name, { team: name, open: 0, created: 0, resolved: 0 }).get(name)!;
  for (const row of backlog) team(row.team).open += row.count;
  for (const row of teamCreated) team(row.team).created += row.tickets;
  for (const row of resolved) team(row.team).resolved += 1;
  const agentNames = [...new Set([...openBy.keys(), ...resolvedBy.keys(), ...activity.map((a) => a.agent)])].sort();

  const grid = Array.from({ length: 7 }, () => Array.from({ length: 24 }, () => 0));
  for (const cell of hours) grid[cell.weekday - 1]![cell.hour] = cell.tickets;

  return {
    period: { from: range.from.toISOString(), to: range.to.toISOString(), timezone },
    scope: { team: scope.team ?? null, agent: scope.agent ?? null, channel: scope.channel ?? null },
    tickets: { created: counts.created, resolved: counts.resolved, reopened: counts.reopened },
    firstResponse: {
      count: spreads.firstResponse.count,
      calendar: seconds(spreads.firstResponse),
      business: business(firsts.map((r) => [r.createdAt, r.at])),
    },
    resolution: {
      count: spreads.resolution.count,
      calendar: seconds(spreads.resolution),
      business: business(resolved.map((r) => [r.createdAt, r.resolvedAt])),
    },
    sla: attainment,
    fcr: { resolved: counts.resolved, firstContact: counts.firstContact, rate: counts.resolved ? counts.firstContact / counts.resolved : null },
    csat: { ...satisfaction, responseRate: satisfaction.requested ? satisfaction.responses / satisfaction.requested : null },
    backlog: {
      at: backlogInstant.toISOString(),
      total: byStatus.new + byStatus.open + byStatus.pending,
      byStatus,
      byAge: AGE_BUCKETS.map((bucket) => ({ bucket, count: byAge.get(bucket)! })),
    },
    agents: agentNames.map((agent) => {
      const act = activity.find((a) => a.agent === agent);
      return {
        agent,
        open: openBy.get(agent) ?? 0,
        resolved: resolvedBy.get(agent) ?? 0,
        replies: act?.replies ?? 0,
        firstResponseMedianSeconds: act?.firstResponseMedianMs == null ? null : act.firstResponseMedianMs / 1000,
      };
    }),
    teams: [...teams.values()].sort((a, b) => (a.team ?? '').localeCompare(b.team ?? '')),
    channels,
    hourOfWeek: grid,
    series: {
      unit,
      points: points.map((p) => ({
        start: p.start.toISOString(),
        created: p.created,
        resolved: p.resolved,
        firstResponseMedianSeconds: p.firstResponseMedianMs === null ? null : p.firstResponseMedianMs / 1000,
      })),
    },
  };
}

function seconds(spread: Spread): Times {
  return { medianSeconds: spread.medianMs === null ? null : spread.medianMs / 1000, p90Seconds: spread.p90Ms === null ? null : spread.p90Ms / 1000 };
}

/** Median and p90 of millisecond durations, interpolated as Postgres' percentile_cont does. */
export function spreadOf(durations: readonly number[]): Times {
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (p: number) => {
    const result = percentile(sorted, p);
    return result === null ? null : Math.round(result) / 1000;
  };
  return { medianSeconds: at(0.5), p90Seconds: at(0.9) };
}

/** The `p` percentile of sorted values with linear interpolation between the closest ranks; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}
