import type { types } from '@slack/bolt';
import type { ChannelName, IdentityKind, KnownChannelName } from '../channels/contract.ts';
import type { Priority, Status, Ticket } from '../tickets/index.ts';
import { customerLine, isRevised, type Revisions } from './revisions.ts';
import { escapeMrkdwn, scoreStars, slackDate } from './text.ts';

/** What a card shows: the ticket's columns, who wrote, and what they wrote first. */
export interface CardInput {
  ticket: Pick<
    Ticket,
    'number' | 'channel' | 'status' | 'priority' | 'assignee' | 'subject' | 'cc' | 'tags' | 'escalationLevel' | 'slaDueAt' | 'slaDueMetric' | 'slaBreachedAt'
  > &
    Partial<Pick<Ticket, 'team' | 'routedBy' | 'csatScore' | 'csatComment'>>;
  /** `kind` says how to read the address (a WhatsApp privacy id is not a number). */
  contact: { name: string | null; address: string; kind?: IdentityKind; tags?: string[]; custom?: Record<string, unknown>; earlierTickets?: number };
  /** The ticket's first customer message (the thread holds the rest). */
  firstMessage: string | null;
  /** What the customer did to it since: the card shows the edit or the deletion, and what was said. */
  firstMessageRevisions?: Revisions;
  /** The desk's team names: with more than one, the card offers to move the ticket. */
  teams?: readonly string[];
  /** The ticket it was merged into, and the tickets merged into it (numbers). */
  merge?: { into: number | null; from: readonly number[] };
}

export interface Card {
  /** The notification and accessibility text; Slack shows blocks instead. */
  text: string;
  blocks: types.KnownBlock[];
}

/** Action ids on the card (and its thread); the actions block's id carries the ticket number (`ticket:N`). */
export const CARD_ACTIONS = {
  claim: 'ticket.claim',
  escalate: 'ticket.escalate',
  resolve: 'ticket.resolve',
  reopen: 'ticket.reopen',
  priority: 'ticket.priority',
  assign: 'ticket.assign',
  team: 'ticket.team',
  /** Opens the contact's modal: its tags and custom fields. */
  contact: 'ticket.contact',
  /** "Reply with macro…": a modal to pick a canned reply, preview and edit it, and send it. */
  macro: 'ticket.macro',
  /** In the thread, under a reply refused outside WhatsApp's window. */
  sendTemplate: 'ticket.send-template',
  /** The card's overflow menu: Merge into…. */
  more: 'ticket.more',
} as const;

const CHANNEL_LABELS: Record<KnownChannelName, { label: string; emoji: string }> = {
  api: { label: 'API', emoji: ':electric_plug:' },
  sms: { label: 'SMS', emoji: ':speech_balloon:' },
  whatsapp: { label: 'WhatsApp', emoji: ':iphone:' },
  'whatsapp-web': { label: 'WhatsApp (linked device)', emoji: ':iphone:' },
  telegram: { label: 'Telegram', emoji: ':airplane:' },
  discord: { label: 'Discord', emoji: ':video_game:' },
  email: { label: 'Email', emoji: ':email:' },
};

/** How a channel is named on cards; a module's own channel goes by its name. */
export function channelLabel(channel: ChannelName): { label: string; emoji: string } {
  return CHANNEL_LABELS[channel as KnownChannelName] ?? { label: channel, emoji: ':speech_balloon:' };
}

const PRIORITY_EMOJI: Record<Priority, string> = { low: ':white_circle:', normal: ':large_blue_circle:', high: ':large_orange_circle:', urgent: ':red_circle:' };
const STATUS_LABEL: Record<Status, string> = { new: 'New', open: 'Open', pending: 'Pending (waiting on the customer)', resolved: 'Resolved', closed: 'Closed' };

// Section text holds at most 3,000 characters; the card shows the start of the message and
// the thread and /ticket show hold the rest. https://docs.slack.dev/reference/block-kit/blocks/section-block
const FIRST_MESSAGE_CHARS = 1_200;

/** The block id of the card's actions: where a click finds its ticket. */
export function actionsBlockId(number: number): string {
  return `ticket:${number}`;
}

/** The ticket number in a block id written by `actionsBlockId`, if it is one. */
export function ticketOfBlockId(blockId: string | undefined): number | undefined {
  const match = /^ticket:(\d+)$/.exec(blockId ?? '');
  return match ? Number(match[1]) : undefined;
}

/** "Ada Lovelace" or, without a name, the address. */
export function contactLabel(contact: CardInput['contact']): string {
  return contact.name?.trim() || addressLabel(contact);
}

/** What the desk knows of the contact: tags, custom fields, how many tickets before this one. */
function contactFacts(contact: CardInput['contact']): string {
  const parts = [
    ...(contact.tags ?? []).map((t) => `\`${escapeMrkdwn(t)}\``),
    ...Object.entries(contact.custom ?? {}).map(([k, v]) => `${escapeMrkdwn(k)}: ${escapeMrkdwn(String(v))}`),
    ...(contact.earlierTickets ? [`${contact.earlierTickets} earlier ticket${contact.earlierTickets > 1 ? 's' : ''}`] : []),
  ];
  return parts.join(' · ').slice(0, 1900);
}

/** The address as agents read it: a WhatsApp privacy id says it is one, and that the number is hidden. */
function addressLabel(contact: CardInput['contact']): string {
  return contact.kind === 'whatsapp-lid' ? `WhatsApp privacy id ${contact.address} (number not shared)` : contact.address;
}

/** `firstReply` → "first reply". */
export function metricLabel(metric: string | null): string {
  return (metric ?? 'SLA').replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ').toLowerCase();
}

/** The card, a pure function of the ticket: re-rendered whole on every change. */
export function ticketCard(input: CardInput): Card {
  const { ticket, contact } = input;
  const channel = channelLabel(ticket.channel);
  const who = escapeMrkdwn(contactLabel(contact));
  const headline = `*#${ticket.number}* · ${channel.emoji} ${channel.label} · *${who}*${contact.name ? ` \`${escapeMrkdwn(addressLabel(contact))}\`` : ''}`;
  const first = input.firstMessage?.trim();
  const said = first ? firstMessageText(first, input.firstMessageRevisions) : `_${escapeMrkdwn(ticket.subject ?? '(no text)')}_`;
  // A subject of its own (email), not the first line of the message standing in for one.
  const subject = first && ticket.subject && !first.startsWith(ticket.subject.replace(/…$/, '')) ? `*Subject:* ${escapeMrkdwn(ticket.subject)}\n` : '';

  const mergedInto = input.merge?.into ?? null;
  const fields: types.MrkdwnElement[] = [
    { type: 'mrkdwn', text: `*Status*\n${STATUS_LABEL[ticket.status]}${mergedInto ? ` (merged into #${mergedInto})` : ''}` },
    { type: 'mrkdwn', text: `*Priority*\n${PRIORITY_EMOJI[ticket.priority]} ${capitalise(ticket.priority)}` },
    { type: 'mrkdwn', text: `*Assignee*\n${ticket.assignee ? `<@${ticket.assignee}>` : '_unassigned_'}` },
  ];
  const sla = slaLine(ticket);
  if (sla) fields.push({ type: 'mrkdwn', text: `*SLA*\n${sla}` });
  if (ticket.escalationLevel > 0) fields.push({ type: 'mrkdwn', text: `*Escalation*\n:arrow_double_up: level ${ticket.escalationLevel}` });
  const about = contactFacts(contact);
  if (about) fields.push({ type: 'mrkdwn', text: `*Contact*\n${about}` });
  // One team is no news; with several, which one has it.
  if (ticket.team && (input.teams?.length ?? 0) > 1) fields.push({ type: 'mrkdwn', text: `*Team*\n${escapeMrkdwn(ticket.team)}` });
  if (ticket.cc?.length) fields.push({ type: 'mrkdwn', text: `*CC*\n${ticket.cc.map((a) => escapeMrkdwn(a)).join(', ')}` });
  if (ticket.tags.length > 0) fields.push({ type: 'mrkdwn', text: `*Tags*\n${ticket.tags.map((t) => `\`${escapeMrkdwn(t)}\``).join(' ')}` });
  if (ticket.csatScore) fields.push({ type: 'mrkdwn', text: `*Satisfaction*\n${csatLine(ticket.csatScore, ticket.csatComment ?? null)}` });

  const blocks: types.KnownBlock[] = [
    { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: `${headline}\n${subject}${said}` } },
    { type: 'section', block_id: 'state', fields },
  ];
  if (ticket.routedBy?.length) {
    const rules = ticket.routedBy.map((r) => `“${escapeMrkdwn(r)}”`).join(', ');
    blocks.push({ type: 'context', block_id: 'routing', elements: [{ type: 'mrkdwn', text: `:twisted_rightwards_arrows: routed by rule${ticket.routedBy.length > 1 ? 's' : ''} ${rules}` }] });
  }
  if (mergedInto) {
    blocks.push({ type: 'context', block_id: 'merged-into', elements: [{ type: 'mrkdwn', text: `:twisted_rightwards_arrows: Merged into *#${mergedInto}*: its conversation continues there.` }] });
  }
  if (input.merge?.from.length) {
    const from = input.merge.from.map((n) => `#${n}`).join(', ');
    blocks.push({ type: 'context', block_id: 'merged-in', elements: [{ type: 'mrkdwn', text: `:twisted_rightwards_arrows: Merged in: ${from} (their messages are in the thread)` }] });
  }
  const actions = cardActions(input.ticket, input.teams ?? []);
  if (actions.length > 0) blocks.push({ type: 'actions', block_id: actionsBlockId(ticket.number), elements: actions });

  const text = `#${ticket.number} · ${channel.label} · ${contactLabel(contact)}: ${ticket.subject ?? ''} (${ticket.status}, ${ticket.priority}${ticket.assignee ? `, <@${ticket.assignee}>` : ''})`;
  return { text, blocks };
}

/** The customer's score as the card shows it: stars, the number, and the start of their comment. */
function csatLine(score: number, comment: string | null): string {
  const said = comment?.trim() ? ` “${escapeMrkdwn(comment.trim().slice(0, 200))}”` : '';
  return `${scoreStars(score)}${said}`;
}

/** The first message as the card quotes it; an edit shows beside the earlier text, each clipped shorter to fit. */
function firstMessageText(text: string, revisions: Revisions = {}): string {
  return customerLine(text, revisions, { quoted: true, max: isRevised(revisions) ? FIRST_MESSAGE_CHARS / 2 : FIRST_MESSAGE_CHARS });
}

/** The SLA as the card states it: breached, or the nearest due time (live, in the reader's clock). */
export function slaLine(ticket: Pick<Ticket, 'slaDueAt' | 'slaDueMetric' | 'slaBreachedAt'>): string | undefined {
  if (ticket.slaBreachedAt) {
    return `:rotating_light: *Breached* ${slackDate(ticket.slaBreachedAt, '{ago}')}${ticket.slaDueMetric ? ` (${metricLabel(ticket.slaDueMetric)})` : ''}`;
  }
  if (ticket.slaDueAt) {
    return `:hourglass_flowing_sand: ${capitalise(metricLabel(ticket.slaDueMetric))} due ${slackDate(ticket.slaDueAt, '{ago}')}`;
  }
  return undefined;
}

function cardActions(ticket: CardInput['ticket'], teams: readonly string[]): types.ActionsBlockElement[] {
  if (ticket.status === 'closed') return [];
  const number = String(ticket.number);
  const button = (actionId: string, text: string, style?: 'primary' | 'danger'): types.Button => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text },
    value: number,
    ...(style ? { style } : {}),
  });
  const elements: types.ActionsBlockElement[] = [];
  if (!ticket.assignee) elements.push(button(CARD_ACTIONS.claim, 'Claim', 'primary'));
  elements.push(button(CARD_ACTIONS.escalate, 'Escalate', 'danger'));
  if (ticket.status === 'resolved') elements.push(button(CARD_ACTIONS.reopen, 'Reopen'));
  else elements.push(button(CARD_ACTIONS.resolve, 'Resolve'));
  elements.push(button(CARD_ACTIONS.macro, 'Reply with macro…'));
  const option = (p: Priority): types.PlainTextOption => ({ text: { type: 'plain_text', text: `${capitalise(p)} priority` }, value: p });
  elements.push({
    type: 'static_select',
    action_id: CARD_ACTIONS.priority,
    placeholder: { type: 'plain_text', text: 'Priority' },
    options: (['low', 'normal', 'high', 'urgent'] as const).map(option),
    initial_option: option(ticket.priority),
  });
  elements.push({
    type: 'users_select',
    action_id: CARD_ACTIONS.assign,
    placeholder: { type: 'plain_text', text: 'Assign to…' },
    ...(ticket.assignee ? { initial_user: ticket.assignee } : {}),
  });
  if (teams.length > 1) {
    const team = (name: string): types.PlainTextOption => ({ text: { type: 'plain_text', text: `Team: ${name}` }, value: name });
    elements.push({
      type: 'static_select',
      action_id: CARD_ACTIONS.team,
      placeholder: { type: 'plain_text', text: 'Move to team…' },
      options: teams.slice(0, 100).map(team),
      ...(ticket.team && teams.includes(ticket.team) ? { initial_option: team(ticket.team) } : {}),
    });
  }
  elements.push(button(CARD_ACTIONS.contact, 'Contact…'));
  elements.push({
    type: 'overflow',
    action_id: CARD_ACTIONS.more,
    options: [{ text: { type: 'plain_text', text: 'Merge into…' }, value: 'merge' }],
  });
  return elements;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
