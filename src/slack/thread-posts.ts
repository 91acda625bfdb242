import type { types } from '@slack/bolt';
import type { StoredFile } from '../files/store.ts';
import type { AutomaticKind } from '../tickets/index.ts';
import { CARD_ACTIONS, actionsBlockId, metricLabel } from './card.ts';
import { customerLine } from './revisions.ts';
import type { OutboxItem } from './slack-sql.ts';
import { escapeMrkdwn, humanDuration, scoreStars } from './text.ts';

/**
 * What the sync job does next with a ticket's outbox: a pure plan from the pending items,
 * so the rules (what joins, how each line reads) are tested without Slack.
 */
export type Step =
  /** Nothing to send (already in Slack, or empty): just drop the items. */
  | { kind: 'skip'; ids: string[] }
  /** One thread post; `ids` may be several customer messages joined. */
  | { kind: 'post'; ids: string[]; text: string; username?: string; iconEmoji?: string; blocks?: types.KnownBlock[] }
  /** A message with files: uploaded into the thread with the text as its comment. */
  | { kind: 'upload'; ids: string[]; files: StoredFile[]; comment: string }
  | { kind: 'react'; ids: string[]; ts: string; name: string }
  /** A customer post re-rendered in place (chat.update of `ts`) after an edit or a deletion. */
  | { kind: 'revise'; ids: string[]; ts: string; text: string }
  /** A post in the escalation channel (or, without one, the thread), linking the card. */
  | { kind: 'escalation'; ids: string[]; text: (link: string) => string };

/** What the thread says Switchboard sent by itself. */
const AUTOMATIC_LABELS: Record<AutomaticKind, string> = {
  acknowledgement: 'the acknowledgement',
  status: 'the status of their tickets',
  survey: 'the satisfaction survey',
};

/** The customer as their thread posts are signed. */
export interface Speaker {
  label: string;
  emoji: string;
  ticket: number;
}

// Slack shows about 4,000 characters before "Show more" and truncates at 40,000; joined posts
// stay readable. https://docs.slack.dev/reference/methods/chat.postMessage#truncating
const JOIN_LIMIT_CHARS = 3_500;
const POST_LIMIT_CHARS = 39_000;

/** The next step for `items` (oldest first, at least one). */
export function nextStep(items: readonly OutboxItem[], customer: Speaker): Step {
  const head = items[0]!;
  switch (head.kind) {
    case 'note':
      // A note may carry Block Kit (the knowledge base's suggestions, with their buttons).
      return { kind: 'post', ids: [head.id], text: String(head.data.text ?? ''), ...(Array.isArray(head.data.blocks) ? { blocks: head.data.blocks as types.KnownBlock[] } : {}) };
    case 'reaction':
      return head.message?.slackTs
        ? { kind: 'react', ids: [head.id], ts: head.message.slackTs, name: String(head.data.name ?? 'white_check_mark') }
        : { kind: 'skip', ids: [head.id] };
    case 'escalation':
      return { kind: 'escalation', ids: [head.id], text: (link) => escalationText(head.data, customer, link) };
    case 'message':
      return markMerged(messageStep(items, customer), head.data.mergedFrom);
    case 'revision':
      return reviseStep(items);
  }
}

/**
 * A revised message already in Slack: its post is rendered again whole, every message it joins
 * as each reads now. Revisions waiting for the same post make one update. A message not yet in
 * Slack needs none: it is posted as revised, or it is the first message, shown on the card.
 */
function reviseStep(items: readonly OutboxItem[]): Step {
  const head = items[0]!;
  const ts = head.message?.slackTs;
  if (!ts || !head.post?.length) return { kind: 'skip', ids: [head.id] };
  const ids = [head.id];
  for (const next of items.slice(1)) {
    if (next.kind !== 'revision' || next.message?.slackTs !== ts) break;
    ids.push(next.id);
  }
  return { kind: 'revise', ids, ts, text: head.post.map((line) => customerLine(line.text, line)).join('\n').slice(0, POST_LIMIT_CHARS) };
}

function messageStep(items: readonly OutboxItem[], customer: Speaker): Step {
  const head = items[0]!;
  const message = head.message;
  if (!message || message.slackTs || (message.text.trim() === '' && message.attachments.length === 0 && !message.original)) return { kind: 'skip', ids: [head.id] };
  if (message.attachments.length > 0 || message.original) {
    // The original (an email's source) goes up after the customer's files, for an agent to open.
    const count = message.attachments.length;
    const files = count === 1 ? 'a file' : `${count} files`;
    const said = head.data.onCard
      ? count > 0 ? ` sent ${files} with this message` : ': the message as it arrived'
      : message.text.trim() ? `: ${lineOf(message)}` : count > 0 ? ` sent ${files}` : ': (no text)';
    const upload = [...message.attachments, ...(message.original ? [message.original] : [])];
    return { kind: 'upload', ids: [head.id], files: upload, comment: `${speakerOf(message, customer)}${said}`.slice(0, POST_LIMIT_CHARS) };
  }
  if (message.direction === 'system' && head.data.offer === 'template') return templateOffer(head, customer);
  if (message.direction === 'inbound' || message.direction === 'system') {
    // The thread has fallen behind when several lines of one speaker wait: join them into one
    // post, in order, instead of spending a post (and a second of the channel's rate) on each.
    const joined = [head];
    let length = message.text.length;
    for (const next of items.slice(1)) {
      const m = next.message;
      if (next.kind !== 'message' || !m || m.direction !== message.direction || m.slackTs || m.attachments.length > 0 || m.original || !m.text.trim() || next.data.offer) break;
      if (next.data.mergedFrom !== head.data.mergedFrom) break;
      if (length + m.text.length + 1 > JOIN_LIMIT_CHARS) break;
      joined.push(next);
      length += m.text.length + 1;
    }
    const lines = joined.map((i) => lineOf(i.message!));
    if (message.direction === 'system') {
      return { kind: 'post', ids: joined.map((i) => i.id), text: lines.map((l) => `:information_source: ${l}`).join('\n').slice(0, POST_LIMIT_CHARS) };
    }
    return { kind: 'post', ids: joined.map((i) => i.id), text: lines.join('\n').slice(0, POST_LIMIT_CHARS), username: customer.label, iconEmoji: customer.emoji };
  }
  if (message.direction === 'outbound' && message.automatic) {
    return { kind: 'post', ids: [head.id], text: `:robot_face: *Switchboard* sent the customer ${AUTOMATIC_LABELS[message.automatic]}:\n${escapeMrkdwn(message.text)}`.slice(0, POST_LIMIT_CHARS) };
  }
  const who = message.author ? `<@${message.author}>` : 'An agent';
  const text = message.direction === 'note' ? `:memo: *Note* from ${who}:\n${escapeMrkdwn(message.text)}` : `:outbox_tray: ${who} replied to the customer:\n${escapeMrkdwn(message.text)}`;
  return { kind: 'post', ids: [head.id], text: text.slice(0, POST_LIMIT_CHARS) };
}

/** A message brought by a merge says which ticket it comes from, at the start of its post. */
function markMerged(step: Step, from: unknown): Step {
  if (typeof from !== 'number') return step;
  const mark = `_from #${from}_ · `;
  if (step.kind === 'post' && !step.blocks) return { ...step, text: `${mark}${step.text}`.slice(0, POST_LIMIT_CHARS) };
  if (step.kind === 'upload') return { ...step, comment: `${mark}${step.comment}`.slice(0, POST_LIMIT_CHARS) };
  return step;
}

/** A refused reply's reason, with a button that sends the approved template instead. */
function templateOffer(item: OutboxItem, customer: Speaker): Step {
  const text = `:information_source: ${escapeMrkdwn(item.message!.text)}`;
  return {
    kind: 'post',
    ids: [item.id],
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: actionsBlockId(customer.ticket),
        elements: [{ type: 'button', action_id: CARD_ACTIONS.sendTemplate, text: { type: 'plain_text', text: 'Send the template' }, value: String(customer.ticket) }],
      },
    ],
  };
}

/** A message's text as its thread post shows it: a customer's with what became of it since. */
function lineOf(message: NonNullable<OutboxItem['message']>): string {
  return message.direction === 'inbound' ? customerLine(message.text, message) : escapeMrkdwn(message.text);
}

function speakerOf(message: NonNullable<OutboxItem['message']>, customer: Speaker): string {
  if (message.direction === 'inbound') return `*${escapeMrkdwn(customer.label)}*`;
  return message.author ? `<@${message.author}>` : 'Switchboard';
}

/** Slack mentions an event carries: an array (the SLA engine) or a space-separated string. */
export function mentionsOf(value: unknown): string {
  if (Array.isArray(value)) return value.filter((m) => typeof m === 'string' && m).join(' ');
  return typeof value === 'string' ? value.trim() : '';
}

/** The escalation channel's post for an escalation, an SLA breach or a ladder step. */
export function escalationText(data: Record<string, unknown>, customer: Speaker, link: string): string {
  const ticket = link ? `<${link}|#${customer.ticket}>` : `#${customer.ticket}`;
  const who = escapeMrkdwn(customer.label);
  const mentions = mentionsOf(data.mentions);
  const waited = typeof data.waitingMs === 'number' ? ` has waited ${humanDuration(data.waitingMs)}` : '';
  const tail = mentions ? ` ${mentions}` : '';
  switch (data.type) {
    case 'sla-breach':
      return `:rotating_light: ${ticket} missed its ${metricLabel(String(data.metric ?? ''))} target: ${who}${waited || ' is waiting'}.${tail}`;
    case 'sla-ladder':
      return `:rotating_light: ${ticket} is still past its ${metricLabel(String(data.metric ?? ''))} target (step ${String(data.step ?? '?')}): ${who}${waited || ' is waiting'}.${tail}`;
    default: {
      const reason = typeof data.reason === 'string' && data.reason.trim() ? `: ${escapeMrkdwn(data.reason.trim())}` : '';
      return `:arrow_double_up: ${ticket} (${who}) was escalated by <@${String(data.actor)}> to level ${String(data.level ?? '?')}${reason}`;
    }
  }
}

/** The thread line for an SLA warning: mentions the assignee, or says nobody has it yet. */
/** The thread line for a target missed but only found once its cycle had ended. */
export function slaLateText(data: Record<string, unknown>): string {
  const by = typeof data.waitingMs === 'number' ? ` after ${humanDuration(data.waitingMs)}` : '';
  return `:stopwatch: The ${metricLabel(String(data.metric ?? ''))} target was missed: met late${by}.`;
}

/** The thread line for a customer's satisfaction score. */
export function csatText(data: { score: number; comment: string | null }): string {
  const comment = data.comment?.trim() ? `: “${escapeMrkdwn(data.comment.trim())}”` : '';
  return `:star: The customer rated this ticket ${scoreStars(data.score)}${comment}`;
}

export function slaWarningText(data: Record<string, unknown>, assignee: string | null, dueLabel: string): string {
  const left = typeof data.leftMs === 'number' ? ` (${humanDuration(data.leftMs)} left)` : '';
  const owner = assignee ? `<@${assignee}>` : 'Nobody has claimed it yet.';
  return `:hourglass_flowing_sand: The ${metricLabel(String(data.metric ?? ''))} target is due ${dueLabel}${left}. ${owner}`;
}
