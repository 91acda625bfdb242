import type { Db } from '../db/index.ts';
import type { TicketEvent } from './types.ts';

/** Appends events in one statement, in the order given. */
export async function insertEvents(db: Db, events: readonly TicketEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({ ticket_id: e.ticketId, kind: e.kind, actor: e.actor, data: e.data, at: e.at }));
  await db`
    insert into events (ticket_id, kind, actor, data, at)
    select ticket_id, kind, actor, data, at
    from jsonb_to_recordset(${db.json(rows as never)}) as x(ticket_id integer, kind text, actor text, data jsonb, at timestamptz)`;
}

export interface EventRow {
  id: string;
  ticketId: number;
  kind: string;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
}

/** A ticket's history, oldest first. */
export async function listEvents(db: Db, ticketId: number): Promise<EventRow[]> {
  return db<EventRow[]>`select * from events where ticket_id = ${ticketId} order by id`;
}
