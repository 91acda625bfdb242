import type { types, webApi } from '@slack/bolt';
import type { Sql } from '../db/index.ts';
import type { Clock } from '../shared/clock.ts';
import type { Ticket, Tickets } from '../tickets/index.ts';
import { slaLine } from './card.ts';
import { contactNames, slaWatchList } from './slack-sql.ts';
import { escapeMrkdwn, slackDate } from './text.ts';

/** "Breaching soon" means due within this, or already breached. */
export const BREACHING_SOON_MS = 60 * 60_000;
// A Home tab holds at most 100 blocks. https://docs.slack.dev/reference/block-kit/blocks
const PER_SECTION = 15;

export interface HomeLists {
  mine: Ticket[];
  unassigned: Ticket[];
  breaching: Ticket[];
  /** Customer name per ticket id. */
  labels: Map<number, string>;
  /** Whether the agent is on duty (auto-assignment gives them tickets). */
  onDuty: boolean;
}

/** The App Home's own controls. */
export const HOME_ACTIONS = {
  /** On or off duty: the button's value is what it sets (`on`, `off`). */
  duty: 'home.duty',
} as const;

/** The duty line and its toggle: the same as `/ticket duty on|off`. */
function dutyBlock(onDuty: boolean): types.KnownBlock {
  return {
    type: 'section',
    block_id: 'duty',
    text: {
      type: 'mrkdwn',
      text: onDuty ? ':large_green_circle: You are *on duty*: new tickets of your teams can be assigned to you.' : ':white_circle: You are *off duty*: no new tickets are assigned to you.',
    },
    accessory: {
      type: 'button',
      action_id: HOME_ACTIONS.duty,
      text: { type: 'plain_text', text: onDuty ? 'Go off duty' : 'Go on duty' },
      value: onDuty ? 'off' : 'on',
      ...(onDuty ? {} : { style: 'primary' as const }),
    },
  };
}

/** The agent's App Home: their duty (with its toggle), their tickets, the unassigned ones (oldest waiting first), and what is breaching soon. */
export function homeView(user: string, lists: HomeLists): types.HomeView {
  const section = (title: string, tickets: Ticket[], empty: string, withSla = false): types.KnownBlock[] => [
    { type: 'header', text: { type: 'plain_text', text: title } },
    ...(tickets.length === 0
      ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: empty }] }]
      : tickets.slice(0, PER_SECTION).map((t): types.KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: ticketLine(t, lists.labels.get(t.id), withSla) } }))),
    ...(tickets.length > PER_SECTION ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: `…and ${tickets.length - PER_SECTION} more: \`/ticket list\`` }] }] : []),
    { type: 'divider' },
  ];
  return {
    type: 'home',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Your support queue, <@${user}>. Oldest waiting first.` } },
      dutyBlock(lists.onDuty),
      ...section(`Mine (${lists.mine.length})`, lists.mine, 'Nothing assigned to you.'),
      ...section(`Unassigned (${lists.unassigned.length})`, lists.unassigned, 'Every ticket has an owner.'),
      ...section(`Breaching soon (${lists.breaching.length})`, lists.breaching, 'No SLA is breached or due within the hour.', true),
    ],
  };
}

/** One line per ticket, shared by the App Home and `/ticket list`. */
export function ticketLine(ticket: Ticket, customer: string | undefined, withSla = false): string {
  const waiting = ticket.lastInboundAt ?? ticket.createdAt;
  const owner = ticket.assignee ? `<@${ticket.assignee}>` : '_unassigned_';
  const subject = ticket.subject ? ` — ${escapeMrkdwn(ticket.subject)}` : '';
  const sla = withSla ? slaLine(ticket) : undefined;
  return `*#${ticket.number}* ${escapeMrkdwn(customer ?? 'customer')}${subject}\n${ticket.status} · ${ticket.priority} · ${owner} · waiting since ${slackDate(waiting, '{ago}')}${sla ? ` · ${sla}` : ''}`;
}

/** Reads the agent's lists and publishes their App Home. */
export async function publishHome(deps: { sql: Sql; tickets: Tickets; client: webApi.WebClient; clock: Clock }, user: string): Promise<void> {
  // Slack keeps whichever Home was published last. Two publishes for one agent (opening the
  // Home while pressing its duty button, on any instance) take turns, each reading, on its one
  // connection, after the one before has published: an older read never lands over a newer one.
  await deps.sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`slack-home:${user}`}, 0))`;
    const [mine, unassigned, breaching, onDuty] = await Promise.all([
      deps.tickets.list({ assignee: user }, tx),
      deps.tickets.list({ assignee: null }, tx),
      slaWatchList(tx, new Date(deps.clock.now() + BREACHING_SOON_MS)),
      deps.tickets.isOnDuty(user, tx),
    ]);
    const labels = await contactNames(tx, [...mine, ...unassigned, ...breaching].map((t) => t.id));
    await deps.client.views.publish({ user_id: user, view: homeView(user, { mine, unassigned, breaching, labels, onDuty }) });
  });
}
