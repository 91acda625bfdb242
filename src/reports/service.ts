/**
 * The reports service: summaries of a period (and of the one before), the CSV export streamed
 * from a cursor, and signed dashboard links.
 */
import type { Sql } from '../db/index.ts';
import type { Clock } from '../shared/clock.ts';
import { businessHours } from '../sla/calendar.ts';
import type { ScopedPolicy, SlaScope } from '../sla/scopes.ts';
import type { SlaPolicy } from '../sla/types.ts';
import { accessSigner, dashboardKey, type AccessSigner } from './access.ts';
import type { ReportsConfig } from './config.ts';
import { csvLine } from './csv.ts';
import { previousRange } from './period.ts';
import { listTicketReports, type Range, type Scope, type TicketReportRow } from './reports-sql.ts';
import { summarize, type Summary } from './summary.ts';

export interface ReportsDeps {
  sql: Sql;
  clock: Clock;
  policy: SlaPolicy;
  /** The policy of a ticket's team and contact tags (switchboard.yml); without it, `policy` for all. */
  scoped?: (ticket: SlaScope) => ScopedPolicy;
  config: ReportsConfig;
  /** The desk's team names (switchboard.yml); a scope naming another is refused. */
  teams: readonly string[];
  /** Where this desk is reached (PUBLIC_BASE_URL, else this instance's address): dashboard links start with it. */
  baseUrl(): string;
}

export interface Reports {
  readonly config: ReportsConfig;
  readonly teams: readonly string[];
  readonly signer: AccessSigner;
  now(): Date;
  /** Every figure of a period. */
  summary(range: Range, scope?: Scope): Promise<Summary>;
  /** A period's figures and those of the period of the same length before it. */
  compare(range: Range, scope?: Scope): Promise<{ current: Summary; previous: Summary }>;
  /** One CSV row per ticket created in the period, header first, streamed from a cursor. */
  ticketsCsv(range: Range, scope?: Scope): ReadableStream<Uint8Array>;
  /** A signed link to the dashboard for `agent`, and when it stops opening. */
  dashboardLink(agent: string): { url: string; expiresAt: Date };
}

export const CSV_COLUMNS = [
  'ticket',
  'created_at',
  'channel',
  'team',
  'assignee',
  'priority',
  'status',
  'contact',
  'subject',
  'first_response_at',
  'first_response_seconds',
  'first_response_business_seconds',
  'resolved_at',
  'resolution_seconds',
  'resolution_business_seconds',
  'agent_replies',
  'reopens',
  'first_contact_resolution',
  'sla_breaches',
  'csat_score',
] as const;

// Rows fetched per round trip while streaming the CSV.
const CSV_BATCH = 500;

/** Creates the reports service; reads (or makes) the dashboard key first. */
export async function createReports(deps: ReportsDeps): Promise<Reports> {
  const signer = accessSigner(await dashboardKey(deps.sql));
  const summaryDeps = { sql: deps.sql, policy: deps.policy, ...(deps.scoped ? { scoped: deps.scoped } : {}), timezone: deps.config.timezone };
  const calendar = deps.policy.businessHours ? businessHours(deps.policy.businessHours) : null;
  const now = () => new Date(deps.clock.now());
  const summary = (range: Range, scope: Scope = {}) => summarize(summaryDeps, range, scope, now());

  return {
    config: deps.config,
    teams: deps.teams,
    signer,
    now,
    summary,
    async compare(range, scope = {}) {
      const [current, previous] = await Promise.all([summary(range, scope), summary(previousRange(range), scope)]);
      return { current, previous };
    },
    ticketsCsv(range, scope = {}) {
      const encoder = new TextEncoder();
      const seconds = (from: Date, to: Date | null) => (to === null ? null : (to.getTime() - from.getTime()) / 1000);
      const business = (from: Date, to: Date | null) => (to === null || calendar === null ? null : calendar.workingTimeBetween(from, to) / 1000);
      let batches: AsyncIterator<TicketReportRow[]> | undefined;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS)));
        },
        async pull(controller) {
          const rows = (batches ??= listTicketReports(deps.sql, range, scope).cursor(CSV_BATCH)[Symbol.asyncIterator]());
          const next = await rows.next();
          if (next.done) {
            controller.close();
            return;
          }
          const text = next.value
            .map((t) =>
              csvLine([
                t.number,
                t.createdAt,
                t.channel,
                t.team,
                t.assignee,
                t.priority,
                t.status,
                t.contact,
                t.subject,
                t.firstResponseAt,
                seconds(t.createdAt, t.firstResponseAt),
                business(t.createdAt, t.firstResponseAt),
                t.resolvedAt,
                seconds(t.createdAt, t.resolvedAt),
                business(t.createdAt, t.resolvedAt),
                t.agentReplies,
                t.reopens,
                t.resolvedAt !== null && t.agentReplies === 1 && t.reopens === 0,
                t.slaBreaches,
                t.csatScore,
              ]),
            )
            .join('');
          controller.enqueue(encoder.encode(text));
        },
        async cancel() {
          await batches?.return?.();
        },
      });
    },
    dashboardLink(agent) {
      const expiresAt = deps.clock.now() + deps.config.linkTtlMs;
      return { url: `${deps.baseUrl()}/dashboard?t=${signer.sign('link', agent, expiresAt)}`, expiresAt: new Date(expiresAt) };
    },
  };
}
