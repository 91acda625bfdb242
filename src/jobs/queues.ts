import type { Queue } from 'pg-boss';

/**
 * Every pg-boss queue, by name, with its options. Jobs are triggers; the durable state they
 * act on (an outbound message, a Slack post) lives in our own tables, so a handler re-reads
 * it and is safe to run twice.
 */
export const QUEUES = {
  /**
   * Delivers a ticket's queued outbound messages in order. `stately` keyed by ticket: at most
   * one run per ticket at a time, and one waiting, so replies leave in the order written.
   */
  deliver: 'outbound.deliver',
  /** Closes a resolved ticket when its reopen window ends. */
  autoClose: 'ticket.auto-close',
  /**
   * Brings a ticket's Slack side up to date: posts its card, then its outbox (thread posts,
   * reactions, escalation posts) in order, then re-renders the card. `stately` keyed by
   * ticket, like delivery, so one ticket's thread is written by one job at a time.
   */
  slackSync: 'slack.sync',
  /** Handles one Events API event Slack delivered (stored and acknowledged first). */
  slackEvent: 'slack.event',
  /**
   * A ticket's SLA timer: one waiting job per ticket (upserted by ticket id) at the next moment
   * a warning, breach or ladder step can fall due, moved whenever the ticket changes.
   */
  slaTimer: 'sla.timer',
  /** Posts an operator notice (a login QR code, a lost session) and its recovery in Slack. */
  operatorNotice: 'slack.operator-notice',
  /**
   * Posts the weekly digest: sent by pg-boss's cron schedule (DIGEST_SCHEDULE), one job per
   * occurrence whichever instances run the schedule; the post itself is once per week key.
   */
  weeklyDigest: 'slack.weekly-digest',
  /**
   * POSTs a ticket's pending events to EVENT_WEBHOOK_URL, oldest first, stopping at the first
   * failure. `stately` keyed by ticket, like delivery; the event's claim in the outbox is what
   * keeps two runs from sending one event at once.
   */
  eventWebhook: 'events.webhook',
  /**
   * Turns a held reply (collision warning) nobody decided on into an internal note, 10 minutes
   * after it was held; enqueued in the transaction that holds it.
   */
  heldReplyTimeout: 'ticket.held-reply-timeout',
} as const;

/**
 * Delivery for a channel whose client lives only where its connection is held (a linked
 * device, a gateway session): a queue of its own, worked only by the instance holding the
 * connection, so a reply is sent once, by the holder, whichever instance queued it.
 */
export function deliveryQueueThrough(channel: string): `outbound.deliver-through.${string}` {
  return `outbound.deliver-through.${channel}`;
}

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES] | ReturnType<typeof deliveryQueueThrough>;

/**
 * A one-off job at a deadline (a reopen window's end, a held reply's timeout) whose handler
 * re-reads the state and does a short transaction: a failure is our own, retried with backoff.
 */
const DEADLINE_JOB: Omit<Queue, 'name'> = {
  policy: 'standard',
  retryLimit: 20,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
  expireInSeconds: 60,
};

/**
 * A worker's job on a queue with this heartbeat is handed to another worker this long (plus
 * pg-boss's supervision pass, every SUPERVISE_INTERVAL_SECONDS) after its process died, instead
 * of after expireInSeconds: a reply queued when the app was killed goes out a minute or so after
 * a restart, not five. pg-boss's workers refresh the heartbeat while a handler runs.
 */
export const CRASH_HEARTBEAT_SECONDS = 20;
export const SUPERVISE_INTERVAL_SECONDS = 15;

export const QUEUE_OPTIONS: Record<(typeof QUEUES)[keyof typeof QUEUES], Omit<Queue, 'name'>> = {
  [QUEUES.deliver]: {
    policy: 'stately',
    // Retries here are only for our own crashes (database down); send failures are retried
    // by the handler itself, which honours Retry-After.
    retryLimit: 50,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 300,
    heartbeatSeconds: CRASH_HEARTBEAT_SECONDS,
    notify: true,
  },
  [QUEUES.slackSync]: {
    policy: 'stately',
    // As for delivery: Slack's own failures are retried by the handler (Retry-After, backoff);
    // these retries are for our crashes.
    retryLimit: 50,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 300,
    heartbeatSeconds: CRASH_HEARTBEAT_SECONDS,
    notify: true,
  },
  [QUEUES.eventWebhook]: {
    policy: 'stately',
    // The receiver's failures are retried by the handler (backoff, Retry-After); these retries
    // are for our crashes. A run hands over after RUN_BUDGET_MS, well inside the expiry.
    retryLimit: 50,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 120,
    heartbeatSeconds: CRASH_HEARTBEAT_SECONDS,
    notify: true,
  },
  [QUEUES.operatorNotice]: {
    policy: 'standard',
    retryLimit: 50,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 120,
  },
  [QUEUES.slackEvent]: {
    policy: 'standard',
    retryLimit: 20,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 120,
    notify: true,
  },
  [QUEUES.weeklyDigest]: {
    policy: 'standard',
    // Slack down on Monday morning: keep trying for a few hours, then give up on that week.
    retryLimit: 12,
    retryDelay: 60,
    retryBackoff: true,
    retryDelayMax: 1800,
    expireInSeconds: 300,
  },
  [QUEUES.heldReplyTimeout]: DEADLINE_JOB,
  [QUEUES.autoClose]: DEADLINE_JOB,
  [QUEUES.slaTimer]: {
    policy: 'standard',
    // Its own table: every open ticket keeps a waiting timer here (100,000 and more), rewritten
    // on each change, so its fetches, index bloat and vacuum stay apart from deliveries'.
    partition: true,
    // A failed evaluation is retried by the handler itself with its own backoff; these are for
    // a crash between fetch and completion.
    retryLimit: 20,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 120,
    // Timers are many (one per open ticket) and worthless once run: keep an hour for inspection
    // instead of pg-boss's 7 days, so the job table stays small.
    deleteAfterSeconds: 3600,
    // A timer due at once (a priority change past the target, a policy change) wakes workers
    // through NOTIFY instead of waiting for the next poll.
    notify: true,
  },
};
