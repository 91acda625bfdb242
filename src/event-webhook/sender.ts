import type { Db, Sql } from '../db/index.ts';
import { QUEUES, type Jobs } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import { backoffDelay } from '../shared/backoff.ts';
import { SIGNATURE_HEADER, switchboardSignature } from '../shared/crypto.ts';
import { readCapped, retryAfterMs } from '../shared/http.ts';
import type { EventWebhookConfig } from './config.ts';
import { claimHead, holdForRetry, markDelivered, markRefused, type ClaimedEvent } from './outbox-sql.ts';
import { classifyAnswer, eventPayload, type Answer } from './payload.ts';

/** The retry schedule of a failing event: forever, `baseDelayMs` doubling up to `maxDelayMs`. */
export interface EventWebhookOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

// An event is delivered until acknowledged, so there is no last attempt: after an outage of any
// length a line is tried again within five minutes of the receiver coming back.
export const DEFAULT_EVENT_WEBHOOK_OPTIONS: EventWebhookOptions = { baseDelayMs: 1_000, maxDelayMs: 5 * 60_000 };

export interface SenderDeps {
  sql: Sql;
  jobs: Jobs;
  logger: Logger;
  fetch: typeof fetch;
  config: EventWebhookConfig;
  options: EventWebhookOptions;
}

// A receiver that hangs must not hold a line for long: the attempt fails and is retried.
const SEND_TIMEOUT_MS = 10_000;
// A claim outlives one attempt (SEND_TIMEOUT_MS); a run that dies lets its event go after it.
const HOLD_MS = 30_000;
// A run hands over to a fresh job after this long, well inside the queue's expiry, so a long
// backlog of one ticket never outlives its job (pg-boss would start it again beside us).
const RUN_BUDGET_MS = 20_000;
// Retry-After is honoured up to an hour: a bogus day-long value must not silence a line.
const MAX_RETRY_AFTER_MS = 60 * 60_000;
// `Retry-After: 0` must not become a busy loop.
const MIN_RETRY_WAIT_MS = 250;
// How much of a refusing answer's body is kept and logged.
const EXCERPT_CHARS = 200;

/**
 * Triggers the line's job now, or after `delayMs`: a retry (`later`), or a look once another
 * run's claim ends (`held`).
 */
export async function scheduleLine(jobs: Jobs, db: Db, line: number, delayMs = 0, reason: 'later' | 'held' = 'later'): Promise<void> {
  // The queue keeps one waiting job per key, so a delayed run has a key of its own: a retry's
  // wait never swallows the run a new event triggers (that run finds the head held and waits),
  // and a look after another run's claim never pushes back that run's own retry.
  const singletonKey = delayMs > 0 ? `${line}:${reason}` : String(line);
  await jobs.send(db, QUEUES.eventWebhook, { line }, { singletonKey, ...(delayMs > 0 ? { startAfter: new Date(Date.now() + delayMs) } : {}) });
}

/**
 * The line's job: POSTs its pending events oldest first, each once acknowledged (2xx) gone from
 * the outbox, and stops at the first that fails, scheduling itself for its retry; so a ticket's
 * events arrive in order and none is passed over. Each attempt claims its event first: two
 * runs (two instances, a job pg-boss restarted) never send one event at the same time.
 */
export async function sendLine(deps: SenderDeps, line: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (Date.now() - started > RUN_BUDGET_MS) return scheduleLine(deps.jobs, deps.sql, line);
    const claimed = await claimHead(deps.sql, line, HOLD_MS);
    if (!claimed) return;
    if ('heldForMs' in claimed) return scheduleLine(deps.jobs, deps.sql, line, claimed.heldForMs + 50, 'held');
    const { event } = claimed;
    const answer = await post(deps, event);
    const log = deps.logger.child({ ticket: event.ticket?.number ?? null, event: event.eventId, type: event.kind });
    if (answer.kind === 'delivered') {
      await markDelivered(deps.sql, event.eventId);
      log.debug({ attempts: event.attempts }, 'event delivered to the webhook');
    } else if (answer.kind === 'refused') {
      await markRefused(deps.sql, event.eventId, answer.status, answer.reason);
      log.warn({ status: answer.status, reason: answer.reason }, 'the event webhook refused an event for good; it is kept in event_webhook_outbox and the ticket goes on');
    } else {
      const { delayMs, counted } = retryDelay(deps.options, event, answer);
      await holdForRetry(deps.sql, event.eventId, delayMs, answer.reason, counted);
      await scheduleLine(deps.jobs, deps.sql, line, delayMs);
      log.warn({ reason: answer.reason, attempts: event.attempts, retryInMs: delayMs }, 'event webhook failed; will retry');
      return;
    }
  }
}

/**
 * How long the line waits before the next attempt. A 429 with Retry-After waits what it says
 * without counting the attempt (the receiver only asked us to slow down); any other failure
 * backs off, and waits at least a Retry-After it gave (a 503 in maintenance).
 */
function retryDelay(options: EventWebhookOptions, event: ClaimedEvent, answer: Extract<Answer, { kind: 'retry' }>): { delayMs: number; counted: boolean } {
  const asked = answer.retryAfterMs === undefined ? undefined : Math.min(MAX_RETRY_AFTER_MS, answer.retryAfterMs);
  if (answer.rateLimited && asked !== undefined) return { delayMs: Math.max(MIN_RETRY_WAIT_MS, asked), counted: false };
  const backoff = backoffDelay({ attempt: event.attempts, baseMs: options.baseDelayMs, maxMs: options.maxDelayMs });
  return { delayMs: Math.max(MIN_RETRY_WAIT_MS, asked ?? 0, backoff), counted: true };
}

/** One attempt: the signed POST and what its answer means. */
async function post(deps: SenderDeps, event: ClaimedEvent): Promise<Answer> {
  const body = JSON.stringify(eventPayload(event));
  let response: Response;
  try {
    response = await deps.fetch(deps.config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard',
        [SIGNATURE_HEADER]: switchboardSignature(deps.config.secret, body),
        'x-switchboard-event': event.kind,
        'x-switchboard-event-id': event.eventId,
      },
      body,
      // A redirected POST may come back as a GET without the body: the address must be exact.
      redirect: 'manual',
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
    return { kind: 'retry', reason: `unreachable (${(error as Error).message}${cause})`, rateLimited: false };
  }
  let excerpt = '';
  if (response.ok) await response.body?.cancel();
  else excerpt = new TextDecoder().decode((await readCapped(response, 4 * EXCERPT_CHARS).catch(() => null)) ?? new Uint8Array()).trim().slice(0, EXCERPT_CHARS);
  return classifyAnswer(response.status, retryAfterMs(response.headers.get('retry-after')), excerpt);
}
