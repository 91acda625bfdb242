/**
 * Customer messages intake answers by itself instead of treating them as conversation: a status
 * question ("status", in the customer's words) and a score that answers a survey ("4 thanks!").
 * Both are recorded on a ticket without changing its state, idempotent by the platform's id.
 */
import type { InboundMessage, IngestResult } from '../channels/contract.ts';
import type { Tx } from '../db/index.ts';
import { awaitsScore, findClosedAwaitingScore, findLatestTicketOfIdentity, recordScore, statusLines, touchLastInbound } from './automatic-sql.ts';
import type { RecordEvent, TicketContext } from './context.ts';
import { queueAutomatic } from './automatic.ts';
import { RepeatedPlatformId } from './messages-sql.ts';
import type { Identity, Ticket } from './types.ts';

// A score written after the ticket closed (the reopen window ended) still answers its survey
// for this long after the survey went out; later, a number is just a message.
const LATE_SCORE_MS = 14 * 86_400_000;
// A status answer lists this many tickets at most: enough for anyone writing in.
const STATUS_LINES = 10;

export interface AutomaticInput {
  inbound: InboundMessage;
  identity: Identity;
  /** The active (or hinted) ticket the message would join, locked; undefined when none. */
  current: Ticket | undefined;
  conversation: string;
  language: string | null;
  at: Date;
}

/**
 * Answers the message by itself when it is a status question or a survey score, and says what
 * intake should report; undefined when it is an ordinary message. A status question from a
 * sender who never had a ticket on this channel is ordinary: there is nothing to report on and
 * nowhere to record the exchange, and whoever wrote "status" first may mean an order's.
 */
export async function answerAutomatically(ctx: TicketContext, tx: Tx, record: RecordEvent, input: AutomaticInput): Promise<IngestResult | undefined> {
  const replies = ctx.customer;
  const { inbound, identity, current, language } = input;
  // Nothing is sent to someone who opted out (SMS STOP): their words are for an agent to read.
  if (!replies || inbound.attachments.length > 0 || inbound.consent || identity.optedOutAt) return undefined;

  if (replies.isStatusRequest(inbound.channel, inbound.text, language)) {
    const ticket = current ?? (await findLatestTicketOfIdentity(tx, identity.id, inbound.channel));
    if (ticket) return answerStatus(ctx, tx, record, ticket, input);
    return undefined;
  }

  const score = replies.score(inbound.text);
  if (!score) return undefined;
  let surveyed: Ticket | undefined;
  if (current) surveyed = current.status === 'resolved' && (await awaitsScore(tx, current.id)) ? current : undefined;
  else surveyed = await findClosedAwaitingScore(tx, identity.contactId, inbound.channel, input.conversation, new Date(input.at.getTime() - LATE_SCORE_MS));
  if (!surveyed) return undefined;

  const answer = await storeQuestion(ctx, tx, record, surveyed, input, 'survey');
  const rated = await recordScore(tx, surveyed.id, score.score, score.comment, input.at);
  if (rated) record(rated, 'csat', 'customer', { score: score.score, comment: score.comment, messageId: answer.id });
  return { ticket: surveyed.number, message: answer.id, duplicate: false };
}

/**
 * Records the question on `ticket` (status unchanged: a resolved ticket is not reopened) and
 * queues the answer listing the contact's tickets, in the conversation where it was asked.
 */
async function answerStatus(ctx: TicketContext, tx: Tx, record: RecordEvent, ticket: Ticket, input: AutomaticInput): Promise<IngestResult> {
  const question = await storeQuestion(ctx, tx, record, ticket, input, 'status');
  const lines = await statusLines(tx, input.identity.contactId, STATUS_LINES);
  const text = ctx.customer!.statusAnswer({ channel: input.inbound.channel, tickets: lines, language: input.language });
  await queueAutomatic(ctx, tx, record, ticket, { direction: 'outbound', automatic: 'status', text, conversation: question.conversation, at: input.at });
  return { ticket: ticket.number, message: question.id, duplicate: false };
}

/** Stores the customer's message as handled by Switchboard; a platform id met twice rolls back. */
async function storeQuestion(ctx: TicketContext, tx: Tx, record: RecordEvent, ticket: Ticket, input: AutomaticInput, automatic: 'status' | 'survey') {
  const elsewhere = input.conversation !== ticket.conversation ? input.conversation : null;
  const stored = await queueAutomatic(ctx, tx, record, ticket, {
    direction: 'inbound',
    automatic,
    text: input.inbound.text,
    externalId: input.inbound.externalId,
    conversation: elsewhere,
    at: input.at,
  });
  if (!stored) throw new RepeatedPlatformId();
  // The customer wrote: a platform's reply window (WhatsApp's 24 hours) opens again.
  await touchLastInbound(tx, ticket.id, input.at);
  return stored;
}
