/**
 * The event webhook's outbox (migrations/030_event_webhook.sql). Rows are written by a trigger
 * on `events`; these are the reads and writes of the sender and of start-up. Claims and waits
 * run on the database's clock, so instances whose clocks differ agree on them.
 */
import type { Db, Sql } from '../db/index.ts';

/** The head of a line, claimed for one attempt: the event and what was captured with it. */
export interface ClaimedEvent {
  eventId: string;
  line: number;
  kind: string;
  actor: string;
  data: unknown;
  at: Date;
  ticket: Record<string, unknown> | null;
  message: Record<string, unknown> | null;
  /** Attempts so far, this one included. */
  attempts: number;
}

/**
 * Switches the trigger that fills the outbox on or off for every instance (each sets it at
 * start-up from its configuration). Rows already waiting are kept either way.
 */
export async function setOutboxEnabled(db: Db, enabled: boolean): Promise<void> {
  await db`update event_webhook_settings set enabled = ${enabled}, changed_at = now() where enabled <> ${enabled}`;
}

/**
 * Claims the oldest pending event of `line` for `holdMs`: the event, or how long another run's
 * claim (or a retry's wait) holds it, or undefined when the line is empty.
 */
export async function claimHead(sql: Sql, line: number, holdMs: number): Promise<{ event: ClaimedEvent } | { heldForMs: number } | undefined> {
  return sql.begin(async (tx) => {
    const [head] = await tx<{ eventId: string; heldForMs: number }[]>`
      select event_id, greatest(0, coalesce(extract(epoch from (claimed_until - clock_timestamp())) * 1000, 0))::float8 as held_for_ms
      from event_webhook_outbox where line = ${line} and refused_at is null
      order by batch, event_id limit 1 for update`;
    if (!head) return undefined;
    if (head.heldForMs > 0) return { heldForMs: head.heldForMs };
    const [event] = await tx<ClaimedEvent[]>`
      update event_webhook_outbox o set claimed_until = clock_timestamp() + make_interval(secs => ${holdMs / 1000}), attempts = o.attempts + 1
      from events e
      where o.event_id = ${head.eventId} and e.id = o.event_id
      returning o.event_id, o.line, e.kind, e.actor, e.data, e.at, o.ticket, o.message, o.attempts`;
    return { event: event! };
  });
}

/** The receiver acknowledged the event: it leaves the outbox. */
export async function markDelivered(db: Db, eventId: string): Promise<void> {
  await db`delete from event_webhook_outbox where event_id = ${eventId}`;
}

/**
 * The receiver refused the event for good: kept for an operator with the answer, and out of
 * the line so the ticket's later events go on.
 */
export async function markRefused(db: Db, eventId: string, status: number, reason: string): Promise<void> {
  await db`
    update event_webhook_outbox set refused_at = now(), refused_status = ${status}, last_error = ${reason}, claimed_until = null
    where event_id = ${eventId}`;
}

/**
 * Holds the event (and so its line) for `delayMs` before the next attempt. `counted: false`
 * gives back the attempt the claim counted (a 429: the receiver only asked us to slow down).
 */
export async function holdForRetry(db: Db, eventId: string, delayMs: number, reason: string, counted: boolean): Promise<void> {
  await db`
    update event_webhook_outbox
    set claimed_until = clock_timestamp() + make_interval(secs => ${delayMs / 1000}), last_error = ${reason},
      attempts = case when ${counted} then attempts else greatest(attempts - 1, 0) end
    where event_id = ${eventId}`;
}

/** Lines with events waiting, for the start-up pass that makes sure each has a job. */
export async function pendingLines(db: Db): Promise<number[]> {
  const rows = await db<{ line: number }[]>`select distinct line from event_webhook_outbox where refused_at is null order by line`;
  return rows.map((r) => r.line);
}
