import { PgBoss, type Db as IDatabase, type Job, type SendOptions, type WorkOptions } from 'pg-boss';
import type { Db } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { QUEUE_OPTIONS, QUEUES, SUPERVISE_INTERVAL_SECONDS, deliveryQueueThrough, type QueueName } from './queues.ts';

export { QUEUES, deliveryQueueThrough, type QueueName } from './queues.ts';

/**
 * pg-boss over our postgres.js connection or transaction: a job sent through it commits or
 * rolls back with our own writes.
 */
export function executor(db: Db): IDatabase {
  return {
    async executeSql(text: string, values?: unknown[]) {
      // pg-boss's statements are a handful of fixed texts: prepared once per connection, not
      // parsed and planned again for every job.
      const rows = await db.unsafe(text, (values ?? []) as never[], { prepare: true });
      return { rows: [...rows] };
    },
  };
}

export type JobHandler<T> = (job: Job<T>) => Promise<void>;

export interface Jobs {
  readonly boss: PgBoss;
  /** Enqueues a job inside `db` (our transaction): it exists only if that transaction commits. */
  send(db: Db, queue: QueueName, data: object, options?: Omit<SendOptions, 'db'>): Promise<string | null>;
  /** Handles `queue`'s jobs one at a time per worker; a throw retries that job alone. */
  work<T extends object>(queue: QueueName, options: WorkOptions, handler: JobHandler<T>): Promise<void>;
  /** Stops this instance's workers of `queue` (jobs in hand finish first). */
  offWork(queue: QueueName): Promise<void>;
  /** Creates the delivery queue of a channel that sends through its connection. */
  createDeliveryQueue(channel: string): Promise<void>;
  start(): Promise<void>;
  /** Stops fetching, waits for handlers in flight (up to `timeoutMs`), closes the pool. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface JobsOptions {
  url: string;
  logger: Logger;
  /** pg-boss's own pool size (it cannot share postgres.js's). */
  poolSize?: number;
  /** How often idle workers look for due jobs: the lateness of a timer. */
  pollingIntervalSeconds?: number;
  /** Set false on instances that should only enqueue (benchmarks, one-off scripts). */
  maintenance?: boolean;
  /**
   * How often one instance looks for due cron schedules (the weekly digest); pg-boss's default
   * is 30 s, which a schedule only ever due on Monday mornings does not need to be faster than.
   */
  cronMonitorIntervalSeconds?: number;
}

/** Creates the job system; call `start()` before `work`. */
export function createJobs(options: JobsOptions): Jobs {
  const { logger } = options;
  const boss = new PgBoss({
    connectionString: options.url,
    max: options.poolSize ?? 6,
    application_name: 'switchboard-jobs',
    // NOTIFY wakes a worker the moment a job is created (a reply leaves, a thread post goes
    // out) instead of after a poll; polling stays on as the floor and for deferred jobs.
    useListenNotify: true,
    supervise: options.maintenance ?? true,
    superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
    schedule: options.maintenance ?? true,
    ...(options.cronMonitorIntervalSeconds ? { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds, cronWorkerIntervalSeconds: options.cronMonitorIntervalSeconds } : {}),
    openTelemetry: { enabled: false },
  });
  boss.on('error', (error) => logger.error({ err: error }, 'job system error'));
  boss.on('warning', (warning) => logger.warn({ warning: warning.message, data: warning.data }, 'job system warning'));
  const polling = options.pollingIntervalSeconds ?? 0.5;

  return {
    boss,
    send: (db, queue, data, sendOptions) => boss.send(queue, data, { ...sendOptions, db: executor(db) }),
    async work(queue, workOptions, handler) {
      // Deferred jobs (retries, timers) are found only by polling, NOTIFY or not: keep the
      // poll short on every queue.
      const interval = { pollingIntervalSeconds: polling, notifyPollingIntervalSeconds: polling };
      await boss.work<object>(queue, { ...interval, batchSize: 1, ...workOptions }, async (jobs) => {
        for (const job of jobs) {
          try {
            await handler(job as Job<never>);
          } catch (error) {
            logger.error({ err: error, queue, job: job.id }, 'job failed; pg-boss will retry it');
            throw error;
          }
        }
      });
    },
    async offWork(queue) {
      await boss.offWork(queue, { wait: true });
    },
    async createDeliveryQueue(channel) {
      await boss.createQueue(deliveryQueueThrough(channel), QUEUE_OPTIONS[QUEUES.deliver]);
    },
    async start() {
      await boss.start();
      for (const [name, queueOptions] of Object.entries(QUEUE_OPTIONS)) {
        await boss.createQueue(name, queueOptions);
        // createQueue leaves a queue made by an earlier version as it was.
        if (queueOptions.heartbeatSeconds) await boss.updateQueue(name, { heartbeatSeconds: queueOptions.heartbeatSeconds });
      }
    },
    async stop(timeoutMs = 10_000) {
      await boss.stop({ graceful: true, timeout: timeoutMs, close: true });
    },
  };
}
