import { NotFoundError, ValidationError } from '../errors.ts';
import { QUEUES } from '../jobs/index.ts';
import type { Tx } from '../db/index.ts';
import { change, type TicketContext } from './context.ts';
import {
  findHeldBySlackTs,
  insertHeldReply,
  lastReplyByAnotherAgent,
  lockHeldReply,
  markHeldDecided,
  type HeldOutcome,
  type HeldReason,
  type HeldReply,
} from './held-replies-sql.ts';
import { nextStatus } from './lifecycle.ts';
import { queueReply, storeNote, type ReplyInput } from './replies.ts';
import { lockTicketByNumber } from './tickets-sql.ts';
import type { Message, Ticket } from './types.ts';

export type { HeldOutcome, HeldReason, HeldReply } from './held-replies-sql.ts';

/** A reply written this soon after another agent's reply to the same ticket is held. */
export const RECENT_REPLY_MS = 60_000;
/** A held reply nobody decides on within this becomes an internal note: it never goes out unasked. */
export const HOLD_TIMEOUT_MS = 10 * 60_000;
/** Who decided a held reply that timed out. */
export const TIMEOUT_ACTOR = 'timeout';

/** A reply an agent wrote in the card's thread: where it lives in Slack, for holding it. */
export interface ThreadReplyInput extends ReplyInput {
  slackTs: string;
  slack: { channel: string; threadTs: string };
}

export type ThreadReplyResult = { kind: 'sent'; message: Message } | { kind: 'held'; held: HeldReply } | { kind: 'decided'; held: HeldReply };

export type HeldChoice = 'send' | 'note' | 'discard';

/** What became of a held reply: decided now, or `already` (a double click, the timeout first). */
export interface HeldDecision {
  held: HeldReply;
  outcome: HeldOutcome;
  already: boolean;
}

/**
 * An agent's reply from the card's thread: queued for the customer as any reply, unless it
 * collides (the ticket is someone else's, or another agent replied within RECENT_REPLY_MS),
 * in which case it is held, with its timeout job enqueued in the same transaction. The
 * assignee's own replies are never held. The same Slack message comes back as what it became.
 */
export async function replyOrHold(ctx: TicketContext, input: ThreadReplyInput): Promise<ThreadReplyResult> {
  if (input.text.trim() === '' && (input.attachments ?? []).length === 0) throw new ValidationError('a reply needs text or a file', 'text');
  return change(ctx, async (tx, record, at) => {
    const ticket = await lockTicketByNumber(tx, input.ticket);
    if (!ticket) throw new NotFoundError(`there is no ticket #${input.ticket}`);
    const before = await findHeldBySlackTs(tx, input.slackTs);
    if (before) return { kind: before.outcome ? 'decided' : 'held', held: before };
    const collision = await collisionOf(tx, ticket, input.author, at);
    if (!collision) return { kind: 'sent', message: await queueReply(ctx, tx, record, at, ticket, input) };
    // A reply the ticket would refuse (closed) is refused now, not held first.
    nextStatus(ticket.number, ticket.status, 'agent-reply');
    const held = await insertHeldReply(tx, {
      ticketId: ticket.id,
      author: input.author,
      text: input.text,
      attachments: input.attachments ?? [],
      slackTs: input.slackTs,
      slackChannel: input.slack.channel,
      slackThreadTs: input.slack.threadTs,
      reason: collision.reason,
      otherAgent: collision.other,
      heldAt: at,
    });
    await scheduleTimeout(ctx, tx, held!.id, HOLD_TIMEOUT_MS);
    return { kind: 'held', held: { ...held!, number: ticket.number } };
  });
}

async function collisionOf(tx: Tx, ticket: Ticket, author: string, at: Date): Promise<{ reason: HeldReason; other: string } | undefined> {
  if (ticket.assignee === author) return undefined;
  if (ticket.assignee) return { reason: 'assigned', other: ticket.assignee };
  const recent = await lastReplyByAnotherAgent(tx, ticket.id, author, new Date(at.getTime() - RECENT_REPLY_MS));
  return recent ? { reason: 'recent', other: recent.author } : undefined;
}

// pg-boss compares `startAfter` with the database's clock and the hold is on ours (a test may
// move it): what goes to pg-boss is the distance from now.
async function scheduleTimeout(ctx: TicketContext, tx: Tx, heldId: number, inMs: number): Promise<void> {
  await ctx.jobs.send(tx, QUEUES.heldReplyTimeout, { heldId }, { startAfter: new Date(Date.now() + Math.max(0, inMs)) });
}

/**
 * The author's choice for a held reply: send it (once, as any reply), keep it as an internal
 * note, or discard it. The first decision wins; a repeat (double click, a retried interaction,
 * a choice after the timeout) changes nothing and says what it became.
 */
export async function decideHeld(ctx: TicketContext, id: number, choice: HeldChoice, actor: string): Promise<HeldDecision> {
  return change(ctx, async (tx, record, at) => {
    const held = await lockHeldReply(tx, id);
    if (!held) throw new NotFoundError('that held reply no longer exists');
    if (held.author !== actor) throw new ValidationError(`only <@${held.author}> can decide on their held reply`, 'user');
    if (held.outcome) return { held, outcome: held.outcome, already: true };
    const ticket = await lockTicketByNumber(tx, held.number);
    if (!ticket) throw new NotFoundError(`there is no ticket #${held.number}`);
    const input = { author: held.author, text: held.text, attachments: held.attachments, slackTs: held.slackTs };
    const outcome: HeldOutcome = choice === 'send' ? 'sent' : choice === 'note' ? 'note' : 'discarded';
    let message: Message | undefined;
    if (outcome === 'sent') message = await queueReply(ctx, tx, record, at, ticket, input);
    else if (outcome === 'note') message = await storeNote(tx, record, at, ticket, input);
    await markHeldDecided(tx, id, outcome, actor, at, message?.id ?? null);
    return { held: { ...held, outcome, decidedBy: actor, decidedAt: at, messageId: message?.id ?? null }, outcome, already: false };
  });
}

/**
 * The timeout job: a held reply still undecided HOLD_TIMEOUT_MS after it was held becomes an
 * internal note. Runs under the held reply's lock, so it and a button press take turns and
 * the first wins; a run before its time (clocks apart) schedules itself again. Safe to run twice.
 */
export async function expireHeld(ctx: TicketContext, id: number): Promise<void> {
  await change(ctx, async (tx, record, at) => {
    const held = await lockHeldReply(tx, id);
    if (!held || held.outcome) return;
    const due = held.heldAt.getTime() + HOLD_TIMEOUT_MS;
    if (at.getTime() < due) {
      await scheduleTimeout(ctx, tx, id, due - at.getTime());
      return;
    }
    const ticket = await lockTicketByNumber(tx, held.number);
    if (!ticket) return;
    const message = await storeNote(tx, record, at, ticket, { author: held.author, text: held.text, attachments: held.attachments, slackTs: held.slackTs });
    await markHeldDecided(tx, id, 'note', TIMEOUT_ACTOR, at, message.id);
  });
}
