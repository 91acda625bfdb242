import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiReceiver, type ApiReceiver } from '../fakes/api/receiver.ts';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';
import { waitFor } from '../sla/engine-helpers.ts';

const METRICS_TOKEN = 'metrics-token-0123456789';
let app: TestSwitchboard;
let customer: ApiReceiver;
beforeAll(async () => {
  customer = await startApiReceiver(TEST_API_TOKEN);
  app = await startTestSwitchboard({
    env: {
      API_CHANNEL_WEBHOOK_URL: customer.url,
      METRICS_TOKEN,
      SLA_TARGETS: JSON.stringify({ urgent: { firstReply: '2s', nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null } }),
    },
  });
});
afterAll(async () => {
  await app?.close();
  await customer?.close();
});

async function scrape() {
  const response = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe('GET /metrics', () => {
  it('refuses a scrape without METRICS_TOKEN when one is set', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer not-the-metrics-token' } })).status).toBe(401);
  });

  it('parses as Prometheus text, and its counters move when messages flow', async () => {
    const before = await scrape();
    const scrapedAt = Date.now();
    for (const name of ['switchboard_messages_in_total', 'switchboard_messages_out_total', 'switchboard_delivery_outcomes_total', 'switchboard_sla_alerts_total']) {
      expect(before.get(name)?.type, name).toBe('counter');
    }
    expect(before.get('switchboard_http_request_duration_seconds')?.type).toBe('histogram');
    for (const name of ['switchboard_open_tickets', 'switchboard_job_queue_jobs', 'switchboard_job_queue_oldest_ready_seconds', 'switchboard_slack_post_lag_seconds', 'switchboard_slack_outbox_pending']) {
      expect(before.get(name)?.type, name).toBe('gauge');
    }
    // Process metrics, from prom-client's defaults.
    expect(before.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(before.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    expect(sampleValue(before, 'switchboard_job_queue_jobs', { queue: 'outbound.deliver', state: 'ready' })).toBeGreaterThanOrEqual(0);
    expect(before.get('switchboard_job_queue_jobs')!.samples.map((s) => s.labels.queue)).toContain('sla.timer');

    const first = await app.inbound({ id: 'metrics-1', from: 'metrics@example.com', text: 'hello' });
    await app.inbound({ id: 'metrics-1', from: 'metrics@example.com', text: 'hello' }); // a redelivery: stored once
    await app.inbound({ id: 'metrics-2', from: 'metrics@example.com', text: 'are you there?' });
    const number = first.json.ticket as number;
    await app.tickets.setPriority(number, 'urgent', 'U0AGENT001');
    await waitFor('the breach', async () => (await app.db.sql`select 1 from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'sla-breach'`).length > 0);
    await app.tickets.reply({ ticket: number, author: 'U0AGENT001', text: 'here' });
    await customer.waitForDelivered(1);
    await waitFor('the reply to count', async () => sampleValue(await scrape(), 'switchboard_messages_out_total', { channel: 'api' }) === 1);
    // Gauges read from Postgres are cached for a few seconds: look once that has passed.
    await new Promise((r) => setTimeout(r, Math.max(0, scrapedAt + 5_500 - Date.now())));

    const after = await scrape();
    expect(sampleValue(after, 'switchboard_messages_in_total', { channel: 'api' }) - sampleValue(before, 'switchboard_messages_in_total', { channel: 'api' })).toBe(2);
    expect(sampleValue(after, 'switchboard_messages_out_total', { channel: 'api' })).toBe(1);
    expect(sampleValue(after, 'switchboard_delivery_outcomes_total', { channel: 'api', outcome: 'sent' })).toBe(1);
    expect(sampleValue(after, 'switchboard_sla_alerts_total', { kind: 'breach', metric: 'firstReply' })).toBe(1);
    // The warning is an event only when it went out before the breach (a timer run late under
    // load records it superseded, without one): the counter follows the events.
    const [warnings] = await app.db.sql<{ count: number }[]>`select count(*)::int as count from events where kind = 'sla-warning'`;
    expect(sampleValue(after, 'switchboard_sla_alerts_total', { kind: 'warning', metric: 'firstReply' })).toBe(warnings!.count);
    const inbound = { method: 'POST', route: '/api/v1/inbound', status: '200' };
    expect(sampleValue(after, 'switchboard_http_request_duration_seconds_count', inbound) - sampleValue(before, 'switchboard_http_request_duration_seconds_count', inbound)).toBe(3);
    // By route pattern, so a ticket number does not make a series of its own.
    expect(after.get('switchboard_http_request_duration_seconds')!.samples.some((s) => s.labels.route === '/metrics')).toBe(true);
    expect(sampleValue(after, 'switchboard_open_tickets', { status: 'open' })).toBe(1);
    expect(sampleValue(after, 'switchboard_open_tickets', { status: 'new' })).toBe(0);
  });
});

describe('the Prometheus text reader', () => {
  it('refuses what Prometheus would refuse', () => {
    expect(() => parsePrometheusText('# TYPE a counter\na 1')).toThrow(/line feed/);
    expect(() => parsePrometheusText('# TYPE a counter\na{x="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('a 1\n# TYPE a counter\n')).toThrow(/after its samples/);
    expect(() => parsePrometheusText('a one\n')).toThrow(/not a float/);
    expect(() => parsePrometheusText('a{x="\\q"} 1\n')).toThrow(/bad escape/);
    expect(() => parsePrometheusText('a 1\na 2\n')).toThrow(/twice/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n')).toThrow(/cumulative/);
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\nh_sum 1\n')).toThrow(/\+Inf/);
    expect(() => parsePrometheusText('a 1\nb 1\na{x="y"} 1\n')).toThrow(/two places/);
  });
});
