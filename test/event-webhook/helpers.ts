import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEventWebhookModule, type EventWebhookOptions } from '../../src/event-webhook/index.ts';
import { slaModule } from '../../src/sla/index.ts';
import { startApiReceiver, type ApiReceiver } from '../fakes/api/receiver.ts';
import { startEventReceiver, type EventReceiver, type ReceivedEvent } from '../fakes/event-webhook/receiver.ts';
import type { TestDatabase } from '../helpers/database.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';

export const SECRET = 'event-webhook-secret-0123456789';
export const AGENT = 'U0AGENT001';

/** Retries fast enough for a test to see several in a few seconds. */
export const FAST_RETRIES: EventWebhookOptions = { baseDelayMs: 100, maxDelayMs: 1_000 };

export interface WebhookDesk {
  app: TestSwitchboard;
  receiver: EventReceiver;
  /** Where agents' replies to API conversations go (so a reply is sent, and says so). */
  replies: ApiReceiver;
  /** A customer writes on the API channel; the ticket's number. */
  write(from: string, text: string, id?: string): Promise<number>;
  /** The ticket's events as the audit trail holds them, oldest first. */
  eventsOf(number: number): Promise<{ id: string; kind: string }[]>;
  /** The events the receiver acknowledged for the ticket, in the order it took them. */
  deliveredFor(number: number): ReceivedEvent[];
  /** Waits until the receiver has acknowledged every event the ticket has now. */
  waitForAll(number: number, timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): Promise<void>;
}

export interface WebhookDeskOptions {
  env?: Record<string, string>;
  retries?: Partial<EventWebhookOptions>;
  /** Share a database (a second instance); its receivers too. */
  with?: { db: TestDatabase; receiver: EventReceiver; replies: ApiReceiver };
}

/**
 * An instance with the event webhook pointed at a fake CRM, the SLA engine (short targets when
 * the test sets SLA_TARGETS), two teams and a rule making a message saying "late" urgent, so
 * every kind of event can happen.
 */
export async function startWebhookDesk(options: WebhookDeskOptions = {}): Promise<WebhookDesk> {
  const receiver = options.with?.receiver ?? (await startEventReceiver());
  const replies = options.with?.replies ?? (await startApiReceiver(TEST_API_TOKEN));
  const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-events-'));
  const desk = path.join(dir, 'switchboard.yml');
  await writeFile(
    desk,
    `teams:
  - name: support
    channel: C0SUPPORT01
    default: true
  - name: billing
    channel: C0BILLING01
rules:
  - name: late orders
    when: { keywords: [late] }
    then: { priority: urgent }
`,
  );
  const app = await startTestSwitchboard({
    ...(options.with ? { db: options.with.db } : {}),
    env: { EVENT_WEBHOOK_URL: receiver.url, EVENT_WEBHOOK_SECRET: SECRET, API_CHANNEL_WEBHOOK_URL: replies.url, SWITCHBOARD_CONFIG: desk, ...options.env },
    modules: [slaModule, createEventWebhookModule({ ...FAST_RETRIES, ...options.retries })],
  });
  const deliveredFor = (number: number) => receiver.delivered().filter((e) => e.ticket?.number === number);
  const eventsOf = (number: number) =>
    app.db.sql<{ id: string; kind: string }[]>`select e.id::text, e.kind from events e join tickets t on t.id = e.ticket_id where t.number = ${number} order by e.id`;
  return {
    app,
    receiver,
    replies,
    async write(from, text, id) {
      const answer = await app.inbound({ id: id ?? `${from}-${Math.random().toString(36).slice(2)}`, from, name: from.split('@')[0], text });
      if (answer.status !== 200) throw new Error(`inbound answered ${answer.status}: ${JSON.stringify(answer.json)}`);
      return answer.json.ticket as number;
    },
    eventsOf,
    deliveredFor,
    async waitForAll(number, timeoutMs = 15_000) {
      await until(async () => deliveredFor(number).length >= (await eventsOf(number)).length, `every event of #${number} delivered`, timeoutMs);
      return deliveredFor(number);
    },
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
      if (!options.with) await Promise.all([receiver.close(), replies.close()]);
    },
  };
}

/** Resolves once `check` holds, polling; fails naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A ticket's life through every surface that records events: a customer's message (created,
 * routed as urgent, message), an agent claiming, raising the priority, moving it to billing, tagging,
 * noting, replying (and the reply sent), setting it pending, the customer answering (reopened),
 * escalating and resolving. Each step waits for the one before it to be recorded, so the audit
 * trail's order is the order things happened. Returns the ticket's number.
 */
export async function ticketLife(desk: WebhookDesk, from: string, between: (number: number) => Promise<void> = async () => {}): Promise<number> {
  const { tickets } = desk.app;
  const number = await desk.write(from, 'My order #1234 is late');
  await between(number);
  await tickets.claim(number, AGENT);
  await tickets.setPriority(number, 'high', AGENT);
  await between(number);
  await tickets.moveTeam(number, 'billing', AGENT);
  await tickets.tag(number, ['shipping'], AGENT);
  await tickets.note({ ticket: number, author: AGENT, text: 'Carrier says Tuesday' });
  await between(number);
  const reply = await tickets.reply({ ticket: number, author: AGENT, text: 'It arrives on Tuesday' });
  await until(async () => (await tickets.view(number)).messages.some((m) => m.id === reply.id && m.delivery === 'sent'), `the reply to #${number} sent`);
  await tickets.transition(number, 'set-pending', AGENT);
  await between(number);
  await desk.write(from, 'Still nothing on Wednesday');
  await tickets.escalate(number, AGENT, 'carrier lost it');
  await tickets.transition(number, 'resolve', AGENT);
  return number;
}
