/**
 * `GET /metrics` in Prometheus' text format (prom-client), one registry per instance.
 *
 * Counters and histograms count what this process did (messages in and out, delivery
 * outcomes, SLA alerts it raised, HTTP requests); with several instances each has its own, and
 * Prometheus sums them (`sum(rate(switchboard_messages_in_total[5m]))`). Gauges read from
 * Postgres describe the whole desk and are the same from every instance (take `max`, not `sum`):
 * open tickets by status (an index range), the Slack outbox (a queue table) and pg-boss's
 * queues (the counts pg-boss's own monitor keeps on its queue table, refreshed about once a
 * minute), read at most once per CACHE_MS however often Prometheus scrapes.
 */
import type { Hono } from 'hono';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ChannelAuthError } from '../channels/contract.ts';
import type { Sql } from '../db/index.ts';
import type { AppEnv } from '../http/app.ts';
import type { Jobs } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import { verifyBearer } from '../shared/crypto.ts';
import type { TicketEvent, TicketMetrics } from '../tickets/index.ts';
import { openTicketsByStatus, slackOutboxState } from './metrics-sql.ts';

export interface MetricsDeps {
  sql: Sql;
  jobs: Jobs;
  logger: Logger;
  /** METRICS_TOKEN: when set, scrapes must send it as a bearer token. */
  token: string | undefined;
}

export interface Metrics extends TicketMetrics {
  readonly registry: Registry;
  /** A customer message was committed (not a duplicate). */
  inbound(channel: string): void;
  /** An HTTP request was answered. */
  request(observation: { method: string; route: string; status: number; seconds: number }): void;
  routes(app: Hono<AppEnv>): void;
}

// Gauges read from Postgres at most this often per instance, however many scrapes come.
const CACHE_MS = 5_000;

/** The metrics of one instance, on a registry of its own. */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const messagesIn = new Counter({ name: 'switchboard_messages_in_total', help: 'Customer messages stored, by channel (duplicates not counted)', labelNames: ['channel'], registers: [registry] });
  const messagesOut = new Counter({ name: 'switchboard_messages_out_total', help: 'Agent replies the platform accepted, by channel', labelNames: ['channel'], registers: [registry] });
  const outcomes = new Counter({
    name: 'switchboard_delivery_outcomes_total',
    help: 'Reply delivery outcomes by channel: sent (accepted), failed, and what platforms reported later (delivered, read, undelivered, failed)',
    labelNames: ['channel', 'outcome'],
    registers: [registry],
  });
  const slaAlerts = new Counter({
    name: 'switchboard_sla_alerts_total',
    help: 'SLA warnings and breaches recorded, by kind (warning, breach, breach_late) and target',
    labelNames: ['kind', 'metric'],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const read = cachedRead(deps);
  new Gauge({
    name: 'switchboard_open_tickets',
    help: 'Unresolved tickets by status (the whole desk)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { tickets } = await read();
      this.reset();
      for (const status of ['new', 'open', 'pending']) this.set({ status }, tickets.find((t) => t.status === status)?.count ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_job_queue_jobs',
    help: "Jobs per pg-boss queue and state (ready, deferred, active, failed), as pg-boss's monitor last counted them",
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const { queues } = await read();
      this.reset();
      for (const q of queues) {
        for (const [state, value] of [['ready', q.readyCount], ['deferred', q.deferredCount], ['active', q.activeCount], ['failed', q.failedCount]] as const) {
          this.set({ queue: q.name, state }, value);
        }
      }
    },
  });
  new Gauge({
    name: 'switchboard_job_queue_oldest_ready_seconds',
    help: 'How long the oldest ready job of each pg-boss queue had waited when last counted',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const { queues } = await read();
      this.reset();
      for (const q of queues) this.set({ queue: q.name }, q.readyOldestSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'switchboard_slack_outbox_pending',
    help: 'Slack writes (thread posts, reactions, escalations) waiting to be made',
    registers: [registry],
    async collect() {
      this.set((await read()).slack.pending);
    },
  });
  new Gauge({
    name: 'switchboard_slack_post_lag_seconds',
    help: 'Age of the oldest Slack write still waiting (0 when Slack is up to date)',
    registers: [registry],
    async collect() {
      this.set((await read()).slack.oldestSeconds);
    },
  });

  return {
    registry,
    inbound: (channel) => messagesIn.inc({ channel }),
    delivery(channel, outcome) {
      outcomes.inc({ channel, outcome });
      if (outcome === 'sent') messagesOut.inc({ channel });
    },
    committed(events: readonly TicketEvent[]) {
      for (const event of events) {
        if (event.kind === 'sla-warning') slaAlerts.inc({ kind: 'warning', metric: event.data.metric });
        else if (event.kind === 'sla-breach') slaAlerts.inc({ kind: event.data.late ? 'breach_late' : 'breach', metric: event.data.metric });
      }
    },
    request: ({ method, route, status, seconds }) => http.observe({ method, route, status: String(status) }, seconds),
    routes(app) {
      app.get('/metrics', async (c) => {
        if (deps.token !== undefined) {
          const refusal = verifyBearer(c.req.raw, deps.token, 'METRICS_TOKEN');
          if (refusal) throw new ChannelAuthError(refusal);
        }
        return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
      });
    },
  };
}

type Snapshot = {
  tickets: { status: string; count: number }[];
  queues: { name: string; readyCount: number; deferredCount: number; activeCount: number; failedCount: number; readyOldestSeconds: number | null }[];
  slack: { pending: number; oldestSeconds: number };
};

/** One read of every Postgres gauge, shared by the gauges of a scrape and cached for CACHE_MS. */
function cachedRead(deps: MetricsDeps): () => Promise<Snapshot> {
  let cached: { at: number; value: Promise<Snapshot> } | undefined;
  return () => {
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    const value = Promise.all([openTicketsByStatus(deps.sql), deps.jobs.boss.getQueues(), slackOutboxState(deps.sql)]).then(([tickets, queues, slack]) => ({
      tickets,
      queues: queues.filter((q) => !q.name.startsWith('__pgboss')),
      slack,
    }));
    cached = { at: Date.now(), value };
    // A failed read is not kept: the next scrape tries again.
    value.catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'metrics: reading gauges from Postgres failed');
      if (cached?.value === value) cached = undefined;
    });
    return value;
  };
}
