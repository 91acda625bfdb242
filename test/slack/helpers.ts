import { expect } from 'vitest';
import { startApiReceiver, type ApiReceiver } from '../fakes/api/receiver.ts';
import { startSlackEmulator, type SlackEmulator } from '../fakes/slack/index.ts';
import type { Ephemeral, SlackEmulatorOptions, SlackMessage } from '../fakes/slack/types.ts';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard, type TestSwitchboardOptions } from '../helpers/switchboard.ts';

export const TRIAGE = 'C0TRIAGE01';
export const ESCALATIONS = 'C0ESCALATE';
export const ADA = 'U0AGENT001';
export const GRACE = 'U0AGENT002';

/** A Switchboard wired to the Slack emulator (HTTP mode unless told otherwise) and the customer's API webhook. */
export interface SlackDesk {
  slack: SlackEmulator;
  app: TestSwitchboard;
  customer: ApiReceiver;
  /** http://…/slack/events on the Switchboard. */
  eventsUrl: string;
  /** A customer message through the API channel; returns the ticket number. */
  write(from: string, text: string, extra?: Record<string, unknown>): Promise<number>;
  /** The ts of ticket #n's card, once posted. */
  cardTs(number: number): Promise<string>;
  /** The thread under ticket #n's card, replies only. */
  thread(number: number): Promise<SlackMessage[]>;
  close(): Promise<void>;
}

let sequence = 0;

export async function startSlackDesk(
  options: { emulator?: SlackEmulatorOptions; env?: Record<string, string>; switchboard?: TestSwitchboardOptions; mode?: 'http' | 'socket' } = {},
): Promise<SlackDesk> {
  const slack = await startSlackEmulator(options.emulator);
  slack.addChannel({ id: ESCALATIONS, name: 'escalations' });
  const customer = await startApiReceiver(TEST_API_TOKEN);
  const app = await startTestSwitchboard({
    ...options.switchboard,
    env: {
      API_CHANNEL_WEBHOOK_URL: customer.url,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.url,
      SLACK_TRIAGE_CHANNEL: TRIAGE,
      SLACK_ESCALATION_CHANNEL: ESCALATIONS,
      ...(options.mode === 'socket' ? { SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: slack.appToken } : {}),
      ...options.env,
    },
  });
  const cards = new Map<number, string>();
  const desk: SlackDesk = {
    slack,
    app,
    customer,
    eventsUrl: `${app.url}/slack/events`,
    async write(from, text, extra = {}) {
      const { status, json } = await app.inbound({ id: `m-${process.pid}-${++sequence}`, from, name: extra.name ?? from, text, ...extra });
      expect(status).toBe(200);
      return json.ticket as number;
    },
    async cardTs(number) {
      const known = cards.get(number);
      if (known) return known;
      const until = Date.now() + 15_000;
      let ts: string | null | undefined;
      while (!ts) {
        if (Date.now() > until) throw new Error(`ticket #${number} has no card after 15 s`);
        const [row] = await app.db.sql<{ ts: string | null }[]>`select c.ts from slack_cards c join tickets t on t.id = c.ticket_id where t.number = ${number}`;
        ts = row?.ts;
        if (!ts) await new Promise((r) => setTimeout(r, 50));
      }
      cards.set(number, ts!);
      return ts!;
    },
    async thread(number) {
      return slack.thread(TRIAGE, await desk.cardTs(number)).slice(1);
    },
    async close() {
      await app.close();
      await slack.close();
      await customer.close();
    },
  };
  return desk;
}

/** Runs `/ticket text` as `user` over signed HTTP and returns the one ephemeral answer they saw. */
export async function slashTicket(desk: SlackDesk, text: string, user = ADA): Promise<string> {
  const seen = desk.slack.ephemerals(user).length;
  const delivery = await desk.slack.http.command(desk.eventsUrl, desk.slack.slashCommand({ user, channel: TRIAGE, command: '/ticket', text }));
  expect(delivery.status).toBe(200);
  const shown = desk.slack.ephemerals(user).slice(seen);
  expect(shown).toHaveLength(1);
  expect(shown[0]!.source).toBe('command_response');
  return shown[0]!.text;
}

/**
 * Runs `/ticket text` as `user` for an answer that comes later, through the command's
 * response_url (`/ticket stats`): the acknowledgement shows nothing, then one ephemeral.
 */
export async function slashTicketLater(desk: SlackDesk, text: string, user = ADA): Promise<Ephemeral> {
  const seen = desk.slack.ephemerals(user).length;
  const delivery = await desk.slack.http.command(desk.eventsUrl, desk.slack.slashCommand({ user, channel: TRIAGE, command: '/ticket', text }));
  expect(delivery.status).toBe(200);
  await expect.poll(() => desk.slack.ephemerals(user).length, { timeout: 20_000 }).toBe(seen + 1);
  const [answer] = desk.slack.ephemerals(user).slice(seen);
  expect(answer!.source).toBe('response_url');
  return answer!;
}

/** The text of every block of a message, for asserting what an agent reads on a card. */
export function blockText(message: SlackMessage | undefined): string {
  return JSON.stringify(message?.blocks ?? []);
}
