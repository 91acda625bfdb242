import type { Channel, ChannelName } from '../channels/contract.ts';
import type { Sql, Tx } from '../db/index.ts';
import type { FileStore, StoredFile } from '../files/store.ts';
import type { Jobs } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import type { Clock } from '../shared/clock.ts';
import { insertEvents } from './events-sql.ts';
import type { Actor, EventData, EventKind, Ticket, TicketEvent } from './types.ts';
import type { CustomerReplies } from './customer-replies.ts';
import type { Routing } from './routing.ts';
import type { SlaTargetsReader } from './view.ts';

/**
 * Reacts to a committed-with-it change: called inside the transaction with every event it
 * recorded, so the jobs it enqueues (a Slack card update, an SLA timer) commit or roll back
 * with the change.
 */
export type TicketObserver = (tx: Tx, events: readonly TicketEvent[]) => Promise<void>;

export interface DeliveryOptions {
  /** Sends before a retryable failure becomes `failed`. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest a worker waits in hand for a pacing slot before deferring the job instead. */
  maxPacingWaitMs: number;
}

/** What the ticket operations need, passed in once. */
export interface TicketContext {
  sql: Sql;
  jobs: Jobs;
  files: FileStore;
  clock: Clock;
  logger: Logger;
  reopenWindowMs: number;
  channels: ReadonlyMap<ChannelName, Channel>;
  observers: TicketObserver[];
  delivery: DeliveryOptions;
  /** A public link to a stored file, for platforms that fetch attachments by URL. */
  fileUrl?: (file: StoredFile) => string;
  /** The SLA engine's live targets of a ticket, for its view; none shown without it. */
  slaTargets?: SlaTargetsReader;
  /** Teams and rules applied to a new ticket's first message; none without. */
  routing?: Routing;
  /** Whether `at` is inside business hours; undefined when none are configured. */
  insideBusinessHours?: (at: Date) => boolean;
  /** What Switchboard says to customers by itself (switchboard.yml `customer:`); nothing without. */
  customer?: CustomerReplies;
  /**
   * Which of these agents are not around right now (Slack presence away, Do Not Disturb),
   * for auto-assignment to pass over; everyone counts as around without it.
   */
  availability?: AgentAvailability;
  /** Counters told about what happened once it is committed (`/metrics`); none without. */
  metrics?: TicketMetrics;
}

/** Answers with the agents among `agents` who are not available; never throws (unknown: available). */
export type AgentAvailability = (agents: readonly string[]) => Promise<ReadonlySet<string>>;

/** What the core tells the metrics, after commit, so a rolled-back change counts nothing. */
export interface TicketMetrics {
  /** A reply reached the platform (`sent`), failed, or the platform reported on it later. */
  delivery(channel: string, outcome: string): void;
  /** A change committed with these events. */
  committed(events: readonly TicketEvent[]): void;
}

// Retries 2, 4, 8, 16 s apart, then every 30 s: a reply goes out at most about half a minute
// after its platform answers again (backing off to minutes left replies waiting a minute or
// two after a one-minute outage was over; found by npm run chaos), and twelve attempts keep
// the patience it had with eight doubling ones: about four minutes before a reply is failed.
export const DEFAULT_DELIVERY: DeliveryOptions = {
  maxAttempts: 12,
  baseDelayMs: 2_000,
  maxDelayMs: 30_000,
  maxPacingWaitMs: 1_500,
};

/** Records an event of the change: `data` is the shape its `kind` carries (EventData). */
export type RecordEvent = <K extends EventKind>(ticket: Pick<Ticket, 'id' | 'number'>, kind: K, actor: Actor, data: EventData[K]) => void;

/**
 * Hands `change` statements `fn` issued but need not wait for: they go out pipelined with the
 * events' insert and the observers' first statements, and settle before commit; a rejection
 * (a failed statement, or a check of what one returned) rolls the change back like a throw.
 */
export type Later = (statements: Promise<unknown>) => void;

/**
 * Runs one change in one transaction: `fn` does the writes and records events; the events
 * are appended and observers run before commit. Nothing of it exists unless all of it does.
 */
export async function change<T>(ctx: TicketContext, fn: (tx: Tx, record: RecordEvent, at: Date, later: Later) => Promise<T>): Promise<T> {
  const at = new Date(ctx.clock.now());
  let committed: TicketEvent[] = [];
  const result = await ctx.sql.begin(async (tx) => {
    const events: TicketEvent[] = [];
    committed = events;
    const record: RecordEvent = (ticket, kind, actor, data) => {
      // An EventOf<K> for the K of this call; TypeScript cannot see it is one member of the union.
      events.push({ ticketId: ticket.id, number: ticket.number, kind, actor, data, at } as TicketEvent);
    };
    const pending: Promise<unknown>[] = [];
    const later: Later = (statements) => {
      // Handled at once: should `fn` throw before the change settles these, their rejection is
      // the rolled-back transaction's, not an unhandled one.
      statements.catch(() => {});
      pending.push(statements);
    };
    const value = await fn(tx, record, at, later);
    // The events' insert goes out with the observers' first statements: pipelined on the
    // transaction's connection and run in the order issued (the insert first, so observers see
    // the events), one round trip less per change. Both settle before the transaction ends, so
    // no observer issues a statement after a failure has rolled it back.
    const inserted = insertEvents(tx, events);
    const observed = (async () => {
      for (const observe of ctx.observers) await observe(tx, events);
    })();
    // `fn`'s own pending statements first: their failure is the change's, whatever followed.
    for (const outcome of await Promise.allSettled([...pending, inserted, observed])) if (outcome.status === 'rejected') throw outcome.reason;
    return [value];
  });
  if (committed.length > 0) ctx.metrics?.committed(committed);
  return result[0] as T;
}
