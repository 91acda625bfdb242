/**
 * The few gauges `/metrics` reads from Postgres, each an index range or a small table, never a
 * scan of all tickets or messages: they are read at most once per cache interval per instance.
 */
import type { Db } from '../db/index.ts';

/** Unresolved tickets by status: an index-only range of tickets_status (status, created_at). */
export function openTicketsByStatus(db: Db): Promise<{ status: string; count: number }[]> {
  return db<{ status: string; count: number }[]>`
    select status, count(*)::int as count from tickets where status in ('new', 'open', 'pending') group by status`;
}

/**
 * Slack writes waiting in the outbox (a queue: rows leave once Slack has them) and the age of the
 * oldest, found by its primary key. That age is the Slack post lag.
 */
export async function slackOutboxState(db: Db): Promise<{ pending: number; oldestSeconds: number }> {
  const [row] = await db<{ pending: number; oldestSeconds: number | null }[]>`
    select (select count(*)::int from slack_outbox) as pending,
      extract(epoch from now() - (select created_at from slack_outbox order by id limit 1))::float8 as oldest_seconds`;
  return { pending: row!.pending, oldestSeconds: Math.max(0, row!.oldestSeconds ?? 0) };
}
