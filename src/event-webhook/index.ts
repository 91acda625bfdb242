/**
 * Event webhooks (EVENT_WEBHOOK_URL): every event of the audit trail, of every kind, POSTed
 * signed to one receiver, in order per ticket, each until the receiver acknowledges it.
 *
 * How: a trigger on `events` (migrations/030_event_webhook.sql) writes each event's outbox row
 * in the transaction that records the event, with the ticket and message as they were then;
 * this module's observer triggers the ticket's job in that same transaction; the job
 * (sender.ts) sends the ticket's pending events oldest first and stops at the first failure.
 */
import { QUEUES } from '../jobs/index.ts';
import type { CoreModule, ModuleFactory } from '../modules.ts';
import { pendingLines, setOutboxEnabled } from './outbox-sql.ts';
import { DEFAULT_EVENT_WEBHOOK_OPTIONS, scheduleLine, sendLine, type EventWebhookOptions, type SenderDeps } from './sender.ts';

export { parseEventWebhookConfig, type EventWebhookConfig, type EventWebhookSettings } from './config.ts';
export { eventPayload, classifyAnswer, type EventPayload, type TicketSnapshot, type MessageSnapshot } from './payload.ts';
export { DEFAULT_EVENT_WEBHOOK_OPTIONS, type EventWebhookOptions } from './sender.ts';

// Lines are independent: a receiver failing one ticket's event (or hanging on it until the
// timeout) leaves the other workers to carry on with other tickets.
const WORKERS = 4;

/** The event webhook module with its retry schedule (tests shorten it). */
export function createEventWebhookModule(options: Partial<EventWebhookOptions> = {}): ModuleFactory {
  return (deps) => {
    const { logger, jobs } = deps;
    const sql = deps.database.sql;
    const settings = deps.config.eventWebhook;
    if (!settings.enabled) {
      logger.info({ missing: settings.missing }, `event webhook: off (missing ${settings.missing.join(', ')})`);
      // Off here means off for the desk: events stop going to the outbox (what waits there stays).
      return { name: 'event-webhook', start: () => setOutboxEnabled(sql, false) };
    }
    // The origin only: a path or query may carry the receiver's own token.
    const origin = new URL(settings.config.url).origin;
    logger.info({ receiver: origin }, `event webhook: on (${origin})`);
    const sender: SenderDeps = { sql, jobs, logger, fetch: deps.fetch, config: settings.config, options: { ...DEFAULT_EVENT_WEBHOOK_OPTIONS, ...options } };
    const module: CoreModule = {
      name: 'event-webhook',
      async observer(tx, events) {
        // Ascending, like every lock order here; the outbox rows themselves come from the trigger.
        const lines = [...new Set(events.map((e) => e.ticketId))].sort((a, b) => a - b);
        for (const line of lines) await scheduleLine(jobs, tx, line);
      },
      async start() {
        await setOutboxEnabled(sql, true);
        await jobs.work<{ line: number }>(QUEUES.eventWebhook, { localConcurrency: WORKERS }, (job) => sendLine(sender, job.data.line));
        // Whatever waits from before (a crash between commit and job, events of no ticket, events
        // kept while the webhook was off) gets its job; a line that has one already keeps it.
        for (const line of await pendingLines(sql)) await scheduleLine(jobs, sql, line);
      },
    };
    return module;
  };
}

/** Creates the event webhook module (issue 18), on when EVENT_WEBHOOK_URL is set. */
export const eventWebhookModule: ModuleFactory = createEventWebhookModule();
