/**
 * Every figure's SQL, in one place (README "Reporting" defines each in words and points here).
 * All of it reads the events table: a ticket's `created` event, `status` events (resolutions,
 * reopenings, the status at an instant), `reply-sent` (agent replies), `sla-breach`, `csat`
 * and `csat-requested`. Tickets are joined only for what a ticket is now: its team, assignee and
 * channel (the scope filters) and its subject and contact for the CSV.
 *
 * Periods are half-open, `[from, to)`. Durations leave here as milliseconds.
 */
import type { Db } from '../db/index.ts';

export interface Range {
  from: Date;
  to: Date;
}

/** Which tickets count: those whose team, assignee and channel are now these (each optional). */
export interface Scope {
  team?: string | undefined;
  agent?: string | undefined;
  channel?: string | undefined;
}

// Actors that are not agents: a reply these sent (an acknowledgement, a survey) answers nobody.
const NOT_AGENTS = ['system', 'customer', 'api', 'sla'];

/** `and …` restricting the ticket `t` to a scope. */
function inScope(db: Db, scope: Scope) {
  return db`
    ${scope.team !== undefined ? db`and t.team = ${scope.team}` : db``}
    ${scope.agent !== undefined ? db`and t.assignee = ${scope.agent}` : db``}
    ${scope.channel !== undefined ? db`and t.channel = ${scope.channel}` : db``}`;
}

/**
 * Agent replies: a `reply-sent` by an agent, not one Switchboard wrote (`automatic`: an
 * acknowledgement, a survey), not the channel's template (which only invites the customer back)
 * and not reported failed or undelivered afterwards, as the SLA clock counts them.
 */
function agentReplies(db: Db) {
  return db`
    select r.ticket_id, r.at, r.actor from events r
    where r.kind = 'reply-sent' and r.actor <> all(${NOT_AGENTS}::text[]) and r.data->'automatic' is null
      and not exists (select 1 from events m where m.ticket_id = r.ticket_id and m.kind = 'message'
                        and m.data->>'messageId' = r.data->>'messageId' and m.data->>'template' = 'true')
      and not exists (select 1 from events d where d.ticket_id = r.ticket_id and d.kind = 'delivery'
                        and d.data->>'messageId' = r.data->>'messageId' and d.data->>'state' in ('failed', 'undelivered'))`;
}

/** A status event that resolves: from new, open or pending to resolved or closed, not by a merge. */
const RESOLVES = (db: Db, e: 'e' | 's') =>
  db`${db(e)}.kind = 'status' and ${db(e)}.data->>'from' in ('new', 'open', 'pending') and ${db(e)}.data->>'to' in ('resolved', 'closed')
     and coalesce(${db(e)}.data->>'reason', '') <> 'merged'`;

/** A status event that reopens: from resolved back to an unresolved status. */
const REOPENS = (db: Db, e: 'e' | 's') => db`${db(e)}.kind = 'status' and ${db(e)}.data->>'from' = 'resolved' and ${db(e)}.data->>'to' in ('new', 'open', 'pending')`;

/** When ticket `t` was created: its `created` event. */
const CREATED_AT = (db: Db) => db`(select c.at from events c where c.ticket_id = t.id and c.kind = 'created' order by c.id limit 1)`;

/** One ticket's first response in the period. */
export interface FirstResponseRow {
  ticketId: number;
  createdAt: Date;
  at: Date;
  /** The agent who sent it. */
  actor: string;
}

/** Tickets whose first agent reply was sent in the period, with when they were created. */
function firstResponses(db: Db, range: Range, scope: Scope) {
  return db`
    select t.id as ticket_id, ${CREATED_AT(db)} as created_at, f.at, f.actor
    from (select distinct e.ticket_id from events e where e.kind = 'reply-sent' and e.at >= ${range.from} and e.at < ${range.to}) c
    join tickets t on t.id = c.ticket_id
    cross join lateral (select a.at, a.actor from (${agentReplies(db)}) a where a.ticket_id = t.id order by a.at, a.actor limit 1) f
    where f.at >= ${range.from} and f.at < ${range.to} ${inScope(db, scope)}`;
}

/** One ticket resolved in the period. */
export interface ResolutionRow {
  ticketId: number;
  createdAt: Date;
  /** Its latest resolution in the period. */
  resolvedAt: Date;
  assignee: string | null;
  team: string | null;
  agentReplies: number;
  reopened: boolean;
}

/** Tickets with a resolution in the period: the latest one, agent replies and whether it was ever reopened. */
function resolutions(db: Db, range: Range, scope: Scope) {
  return db`
    select t.id as ticket_id, ${CREATED_AT(db)} as created_at, r.resolved_at, t.assignee, t.team,
      (select count(*)::int from (${agentReplies(db)}) a where a.ticket_id = t.id) as agent_replies,
      exists (select 1 from events s where s.ticket_id = t.id and ${REOPENS(db, 's')}) as reopened
    from (select e.ticket_id, max(e.at) as resolved_at from events e
          where ${RESOLVES(db, 'e')} and e.at >= ${range.from} and e.at < ${range.to}
          group by e.ticket_id) r
    join tickets t on t.id = r.ticket_id
    where true ${inScope(db, scope)}`;
}

export function listFirstResponses(db: Db, range: Range, scope: Scope): Promise<FirstResponseRow[]> {
  return db<FirstResponseRow[]>`select * from (${firstResponses(db, range, scope)}) x order by at`;
}

export function listResolutions(db: Db, range: Range, scope: Scope): Promise<ResolutionRow[]> {
  return db<ResolutionRow[]>`select * from (${resolutions(db, range, scope)}) x order by resolved_at`;
}

/** Count, median and p90 (linear interpolation, as percentile_cont) of a set of durations. */
export interface Spread {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

/** The calendar-hour spread of first responses and of resolution times, computed in Postgres. */
export async function timeSpreads(db: Db, range: Range, scope: Scope): Promise<{ firstResponse: Spread; resolution: Spread }> {
  const [row] = await db<{ frCount: number; frMedian: number | null; frP90: number | null; resCount: number; resMedian: number | null; resP90: number | null }[]>`
    select f.count as fr_count, f.median as fr_median, f.p90 as fr_p90, r.count as res_count, r.median as res_median, r.p90 as res_p90
    from (select count(*)::int as count,
            round(1000 * percentile_cont(0.5) within group (order by extract(epoch from x.at - x.created_at)))::float8 as median,
            round(1000 * percentile_cont(0.9) within group (order by extract(epoch from x.at - x.created_at)))::float8 as p90
          from (${firstResponses(db, range, scope)}) x) f,
         (select count(*)::int as count,
            round(1000 * percentile_cont(0.5) within group (order by extract(epoch from x.resolved_at - x.created_at)))::float8 as median,
            round(1000 * percentile_cont(0.9) within group (order by extract(epoch from x.resolved_at - x.created_at)))::float8 as p90
          from (${resolutions(db, range, scope)}) x) r`;
  return {
    firstResponse: { count: row!.frCount, medianMs: row!.frMedian, p90Ms: row!.frP90 },
    resolution: { count: row!.resCount, medianMs: row!.resMedian, p90Ms: row!.resP90 },
  };
}

/** Tickets created, resolved and reopened in the period, and first-contact resolutions among the resolved. */
export async function ticketCounts(db: Db, range: Range, scope: Scope): Promise<{ created: number; resolved: number; reopened: number; firstContact: number }> {
  const [row] = await db<{ created: number; resolved: number; reopened: number; firstContact: number }[]>`
    select
      (select count(*)::int from events e join tickets t on t.id = e.ticket_id
       where e.kind = 'created' and e.at >= ${range.from} and e.at < ${range.to} ${inScope(db, scope)}) as created,
      (select count(*)::int from (${resolutions(db, range, scope)}) r) as resolved,
      (select count(distinct e.ticket_id)::int from events e join tickets t on t.id = e.ticket_id
       where ${REOPENS(db, 'e')} and e.at >= ${range.from} and e.at < ${range.to} ${inScope(db, scope)}) as reopened,
      (select count(*)::int from (${resolutions(db, range, scope)}) r where r.agent_replies = 1 and not r.reopened) as first_contact`;
  return row!;
}

/** One breach the SLA engine recorded whose target ran out in the period. */
export interface BreachRow {
  ticketId: number;
  metric: string;
  cycle: number;
  late: boolean;
}

/** `sla-breach` events whose due time is in the period (recorded then or later). */
export function listBreaches(db: Db, range: Range, scope: Scope): Promise<BreachRow[]> {
  return db<BreachRow[]>`
    select e.ticket_id, e.data->>'metric' as metric, (e.data->>'cycle')::int as cycle, coalesce(e.data->>'late', 'false') = 'true' as late
    from events e join tickets t on t.id = e.ticket_id
    where e.kind = 'sla-breach' and e.at >= ${range.from}
      and (e.data->>'dueAt')::timestamptz >= ${range.from} and (e.data->>'dueAt')::timestamptz < ${range.to} ${inScope(db, scope)}
    order by e.id`;
}

/**
 * Tickets where a target may have been decided in the period: a reply sent or a status changed
 * then (a target met), or unresolved now with a target that was due before the period's end
 * (one that ran out with nobody looking), as the SLA engine's live targets (sla_tickets) say.
 */
export async function listTicketsWithTargetEnds(db: Db, range: Range, scope: Scope): Promise<number[]> {
  const rows = await db<{ id: number }[]>`
    select t.id from tickets t
    where t.id in (select e.ticket_id from events e where e.kind in ('reply-sent', 'status') and e.at >= ${range.from} and e.at < ${range.to}
                   union
                   select u.id from tickets u join sla_tickets s on s.ticket_id = u.id
                   where u.status in ('new', 'open', 'pending') and u.created_at < ${range.to}
                     and exists (select 1 from jsonb_array_elements(s.targets) x
                                 where x->>'breachedAt' is not null or (x->>'dueAt')::timestamptz < ${range.to}))
      ${inScope(db, scope)}
    order by t.id`;
  return rows.map((r) => r.id);
}

/** When each of these tickets was closed by a merge (not a resolution), as `ticketId:epochMs`. */
export async function mergeClosuresOf(db: Db, ticketIds: readonly number[]): Promise<Set<string>> {
  const rows = await db<{ key: string }[]>`
    select e.ticket_id || ':' || (extract(epoch from e.at) * 1000)::bigint as key
    from events e where e.ticket_id = any(${ticketIds as number[]}::int[]) and e.kind = 'status' and e.data->>'reason' = 'merged'`;
  return new Set(rows.map((r) => r.key));
}

/** Each ticket's team and its contact's tags now: what picks its SLA targets (switchboard.yml). */
export async function slaScopesOf(db: Db, ticketIds: readonly number[]): Promise<Map<number, { team: string | null; tags: string[] }>> {
  const rows = await db<{ id: number; team: string | null; tags: string[] }[]>`
    select t.id, t.team, c.tags from tickets t join contacts c on c.id = t.contact_id where t.id = any(${ticketIds as number[]}::int[])`;
  return new Map(rows.map((r) => [r.id, { team: r.team, tags: r.tags }]));
}

/** Every breach event of these tickets, whatever its period, as `ticketId:metric:cycle`. */
export async function breachKeysOf(db: Db, ticketIds: readonly number[]): Promise<Set<string>> {
  const rows = await db<{ key: string }[]>`
    select e.ticket_id || ':' || (e.data->>'metric') || ':' || (e.data->>'cycle') as key
    from events e where e.ticket_id = any(${ticketIds as number[]}::int[]) and e.kind = 'sla-breach'`;
  return new Set(rows.map((r) => r.key));
}

export const AGE_BUCKETS = ['under 4h', '4-24h', '1-3d', '3-7d', 'over 7d'] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

/** Unresolved tickets at an instant: by status then, age bucket, and assignee and team now. */
export interface BacklogRow {
  status: 'new' | 'open' | 'pending';
  bucket: AgeBucket;
  assignee: string | null;
  team: string | null;
  count: number;
}

/**
 * The backlog at `at`: tickets created before it whose latest status event before it leaves
 * them new, open or pending. Only tickets unresolved now or whose status changed since `at`
 * can be, so the search starts from those (an index range each), not from every ticket.
 */
export function backlogAt(db: Db, at: Date, scope: Scope): Promise<BacklogRow[]> {
  return db<BacklogRow[]>`
    select b.status, b.bucket, b.assignee, b.team, count(*)::int as count from (
      select t.assignee, t.team,
        coalesce((select s.data->>'to' from events s where s.ticket_id = t.id and s.kind = 'status' and s.at < ${at}
                  order by s.at desc, s.id desc limit 1), 'new') as status,
        case when ${at}::timestamptz - t.created_at < interval '4 hours' then 'under 4h'
             when ${at}::timestamptz - t.created_at < interval '1 day' then '4-24h'
             when ${at}::timestamptz - t.created_at < interval '3 days' then '1-3d'
             when ${at}::timestamptz - t.created_at < interval '7 days' then '3-7d'
             else 'over 7d' end as bucket
      from tickets t
      where t.id in (select id from tickets where status in ('new', 'open', 'pending')
                     union select e.ticket_id from events e where e.kind = 'status' and e.at >= ${at})
        and t.created_at < ${at} ${inScope(db, scope)}
    ) b
    where b.status in ('new', 'open', 'pending')
    group by b.status, b.bucket, b.assignee, b.team`;
}

/** CSAT in the period: each ticket's latest answer, and how many tickets were asked. */
export interface CsatRow {
  responses: number;
  requested: number;
  average: number | null;
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
}

export async function csat(db: Db, range: Range, scope: Scope): Promise<CsatRow> {
  const [row] = await db<(Omit<CsatRow, 'distribution'> & { s1: number; s2: number; s3: number; s4: number; s5: number })[]>`
    with answers as (
      select distinct on (e.ticket_id) e.ticket_id, (e.data->>'score')::int as score
      from events e join tickets t on t.id = e.ticket_id
      where e.kind = 'csat' and e.at >= ${range.from} and e.at < ${range.to} and e.data->>'score' ~ '^[1-5]$' ${inScope(db, scope)}
      order by e.ticket_id, e.id desc
    )
    select count(*)::int as responses, avg(score)::float8 as average,
      count(*) filter (where score = 1)::int as s1, count(*) filter (where score = 2)::int as s2, count(*) filter (where score = 3)::int as s3,
      count(*) filter (where score = 4)::int as s4, count(*) filter (where score = 5)::int as s5,
      (select count(distinct e.ticket_id)::int from events e join tickets t on t.id = e.ticket_id
       where e.kind = 'csat-requested' and e.at >= ${range.from} and e.at < ${range.to} ${inScope(db, scope)}) as requested
    from answers`;
  const r = row!;
  return { responses: r.responses, requested: r.requested, average: r.average, distribution: { 1: r.s1, 2: r.s2, 3: r.s3, 4: r.s4, 5: r.s5 } };
}

/** Tickets created and customer messages received per channel. */
export function channelVolume(db: Db, range: Range, scope: Scope): Promise<{ channel: string; tickets: number; messages: number }[]> {
  return db<{ channel: string; tickets: number; messages: number }[]>`
    select t.channel, count(*) filter (where e.kind = 'created')::int as tickets, count(*) filter (where e.kind = 'message')::int as messages
    from events e join tickets t on t.id = e.ticket_id
    where e.kind in ('created', 'message') and e.at >= ${range.from} and e.at < ${range.to}
      and (e.kind = 'created' or e.data->>'direction' = 'inbound') ${inScope(db, scope)}
    group by t.channel order by t.channel`;
}

/** Tickets created per team (null: no team). */
export function teamVolume(db: Db, range: Range, scope: Scope): Promise<{ team: string | null; tickets: number }[]> {
  return db<{ team: string | null; tickets: number }[]>`
    select t.team, count(*)::int as tickets from events e join tickets t on t.id = e.ticket_id
    where e.kind = 'created' and e.at >= ${range.from} and e.at < ${range.to} ${inScope(db, scope)}
    group by t.team`;
}

/** Tickets created per hour of the week in `timezone`: ISO weekday (1 Monday … 7 Sunday) and hour. */
export function hourOfWeek(db: Db, range: Range, scope: Scope, timezone: string): Promise<{ weekday: number; hour: number; tickets: number }[]> {
  return db<{ weekday: number; hour: number; tickets: number }[]>`
    select extract(isodow from e.at at time zone ${timezone})::int as weekday, extract(hour from e.at at time zone ${timezone})::int as hour, count(*)::int as tickets
    from events e join tickets t on t.id = e.ticket_id
    where e.kind = 'created' and e.at >= ${range.from} and e.at < ${range.to} ${inScope(db, scope)}
    group by 1, 2`;
}

/** Per bucket (`day` or `hour` in `timezone`): tickets created, resolved, and the median first response. */
export interface SeriesRow {
  start: Date;
  created: number;
  resolved: number;
  firstResponseMedianMs: number | null;
}

export function series(db: Db, range: Range, scope: Scope, timezone: string, unit: 'day' | 'hour'): Promise<SeriesRow[]> {
  const bucket = (column: string) => db`(date_trunc(${unit}, ${db(column)} at time zone ${timezone}) at time zone ${timezone})`;
  return db<SeriesRow[]>`
    with created as (
      select ${bucket('e.at')} as start, count(*)::int as n from events e join tickets t on t.id = e.ticket_id
      where e.kind = 'created' and e.at >= ${range.from} and e.at < ${range.to} ${inScope(db, scope)} group by 1
    ), resolved as (
      select ${bucket('x.resolved_at')} as start, count(*)::int as n from (${resolutions(db, range, scope)}) x group by 1
    ), responses as (
      select ${bucket('x.at')} as start,
        round(1000 * percentile_cont(0.5) within group (order by extract(epoch from x.at - x.created_at)))::float8 as median
      from (${firstResponses(db, range, scope)}) x group by 1
    ), buckets as (
      select generate_series(date_trunc(${unit}, ${range.from}::timestamptz at time zone ${timezone}),
                             date_trunc(${unit}, (${range.to}::timestamptz - interval '1 microsecond') at time zone ${timezone}),
                             ('1 ' || ${unit})::interval) at time zone ${timezone} as start
    )
    select b.start, coalesce(c.n, 0) as created, coalesce(r.n, 0) as resolved, f.median as first_response_median_ms
    from buckets b left join created c on c.start = b.start left join resolved r on r.start = b.start left join responses f on f.start = b.start
    order by b.start`;
}

/** Per agent: replies sent in the period, and the median of the first responses they gave. */
export interface AgentActivityRow {
  agent: string;
  replies: number;
  firstResponses: number;
  firstResponseMedianMs: number | null;
}

export function agentActivity(db: Db, range: Range, scope: Scope): Promise<AgentActivityRow[]> {
  return db<AgentActivityRow[]>`
    with replies as (
      select a.actor as agent, count(*)::int as n from (${agentReplies(db)}) a join tickets t on t.id = a.ticket_id
      where a.at >= ${range.from} and a.at < ${range.to} ${inScope(db, scope)} group by 1
    ), firsts as (
      select x.actor as agent, count(*)::int as n,
        round(1000 * percentile_cont(0.5) within group (order by extract(epoch from x.at - x.created_at)))::float8 as median
      from (${firstResponses(db, range, scope)}) x group by 1
    )
    select coalesce(r.agent, f.agent) as agent, coalesce(r.n, 0) as replies, coalesce(f.n, 0) as first_responses, f.median as first_response_median_ms
    from replies r full join firsts f on f.agent = r.agent
    order by 1`;
}

/** A ticket created in the period with its figures: one CSV row. */
export interface TicketReportRow {
  ticketId: number;
  number: number;
  createdAt: Date;
  channel: string;
  team: string | null;
  assignee: string | null;
  priority: string;
  status: string;
  subject: string | null;
  contact: string | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  agentReplies: number;
  reopens: number;
  slaBreaches: number;
  csatScore: number | null;
}

/** Tickets created in the period, oldest first, with their first response, latest resolution and counts. */
export function listTicketReports(db: Db, range: Range, scope: Scope) {
  return db<TicketReportRow[]>`
    select t.id as ticket_id, t.number, c.at as created_at, t.channel, t.team, t.assignee, t.priority, t.status, t.subject,
      coalesce(ct.name, i.display_name, i.address) as contact,
      (select min(a.at) from (${agentReplies(db)}) a where a.ticket_id = t.id) as first_response_at,
      (select max(e.at) from events e where e.ticket_id = t.id and ${RESOLVES(db, 'e')}) as resolved_at,
      (select count(*)::int from (${agentReplies(db)}) a where a.ticket_id = t.id) as agent_replies,
      (select count(*)::int from events s where s.ticket_id = t.id and ${REOPENS(db, 's')}) as reopens,
      (select count(*)::int from events b where b.ticket_id = t.id and b.kind = 'sla-breach') as sla_breaches,
      (select (v.data->>'score')::int from events v where v.ticket_id = t.id and v.kind = 'csat' and v.data->>'score' ~ '^[1-5]$'
       order by v.id desc limit 1) as csat_score
    from events c join tickets t on t.id = c.ticket_id
    left join contacts ct on ct.id = t.contact_id
    left join identities i on i.id = t.identity_id
    where c.kind = 'created' and c.at >= ${range.from} and c.at < ${range.to} ${inScope(db, scope)}
    order by c.at, t.number`;
}
