import { IllegalTransitionError, NotFoundError, ValidationError } from '../errors.ts';
import type { StoredFile } from '../files/store.ts';
import { change, type RecordEvent, type TicketContext } from './context.ts';
import { nextStatus, type Priority } from './lifecycle.ts';
import { addTicketTags, changePriority, cleanTags, moveStatus } from './actions.ts';
import { findMessageByOnceKey, insertMessage } from './messages-sql.ts';
import { findTicketById, lockTicketByNumber, updateAssignee } from './tickets-sql.ts';
import type { Actor, Message, Ticket } from './types.ts';
import type { Tx } from '../db/index.ts';
import { addSystemMessage } from './system-messages.ts';
import { scheduleDelivery } from './schedule-delivery.ts';

export { scheduleDelivery };

export interface ReplyInput {
  ticket: number;
  /** The agent (a Slack user id). */
  author: Actor;
  text: string;
  attachments?: StoredFile[];
  /** Where the reply already lives in Slack (the agent wrote it in the thread). */
  slackTs?: string;
}

/** What a reply may also do to its ticket, in its transaction (a macro's settings). */
export interface ReplyEffects {
  status?: 'pending' | 'resolved';
  priority?: Priority;
  tags?: readonly string[];
}

/** A reply sent at most once: a repeat of its `once` key returns the first, changing nothing. */
export interface OnceReplyInput extends ReplyInput {
  once?: string;
  then?: ReplyEffects;
}

/**
 * Queues an agent's reply to the customer: stored as `queued` with its delivery job in the same
 * transaction. The first reply on an unassigned ticket claims it; a closed ticket refuses.
 */
export async function reply(ctx: TicketContext, input: OnceReplyInput): Promise<Message> {
  if (input.text.trim() === '' && (input.attachments ?? []).length === 0) throw new ValidationError('a reply needs text or a file', 'text');
  const tags = input.then?.tags?.length ? cleanTags(input.then.tags) : [];
  return change(ctx, async (tx, record, at) => {
    const ticket = await lockTicketByNumber(tx, input.ticket);
    if (!ticket) throw new NotFoundError(`there is no ticket #${input.ticket}`);
    // Under the ticket's lock, a repeat of the same request finds the first (the unique index
    // on once_key is the backstop).
    const earlier = input.once ? await findMessageByOnceKey(tx, input.once) : undefined;
    if (earlier) return earlier;
    const message = await queueReply(ctx, tx, record, at, ticket, input);
    if (!input.then) return message;
    // The macro's settings, after the reply (which may have claimed the ticket and moved it).
    let after = (await findTicketById(tx, ticket.id))!;
    if (input.then.priority) after = await changePriority(tx, after, input.then.priority, input.author, record, at);
    if (tags.length) after = await addTicketTags(tx, after, tags, input.author, record, at);
    const then = input.then.status;
    if (then && after.status !== then) await moveStatus(ctx, tx, after, then === 'pending' ? 'set-pending' : 'resolve', input.author, record, at);
    return message;
  });
}

/** A reply to a ticket merged away is refused, naming the ticket its conversation went to. */
async function refuseMerged(tx: Tx, ticket: Ticket): Promise<never> {
  const into = await findTicketById(tx, ticket.mergedInto!);
  throw new IllegalTransitionError(`#${ticket.number} was merged into #${into?.number ?? '?'}: reply there`, ticket.status, 'agent-reply');
}

/**
 * The reply's writes, inside a change that holds the ticket's lock: claims an unassigned
 * ticket, moves its status, stores the message `queued` and triggers its delivery.
 */
export async function queueReply(ctx: TicketContext, tx: Tx, record: RecordEvent, at: Date, locked: Ticket, input: Omit<OnceReplyInput, 'ticket' | 'then'>): Promise<Message> {
  if (locked.mergedInto !== null) await refuseMerged(tx, locked);
  let ticket = locked;
  const status = nextStatus(ticket.number, ticket.status, 'agent-reply');
  const claims = ticket.assignee === null;
  if (claims || status !== ticket.status) {
    const before = ticket;
    ticket = await updateAssignee(tx, ticket.id, before.assignee ?? input.author, status, at);
    if (claims) record(ticket, 'claimed', input.author, { assignee: input.author, by: 'reply' });
    if (status !== before.status) record(ticket, 'status', input.author, { from: before.status, to: status, reason: 'agent replied' });
  }
  const message = (await insertMessage(tx, {
    ticketId: ticket.id,
    channel: ticket.channel,
    direction: 'outbound',
    author: input.author,
    text: input.text,
    attachments: input.attachments ?? [],
    externalId: null,
    slackTs: input.slackTs ?? null,
    delivery: 'queued',
    ...(input.once ? { onceKey: input.once } : {}),
    at,
  }))!;
  record(ticket, 'message', input.author, { messageId: message.id, direction: 'outbound' });
  const notice = ctx.channels.get(ticket.channel)?.replyNotice?.(input.text);
  if (notice) await addSystemMessage(tx, record, ticket, notice, at, { messageId: message.id });
  await scheduleDelivery(ctx, tx, ticket);
  return message;
}

/**
 * Queues the channel's approved template (WhatsApp outside its 24-hour window), inviting the
 * customer to write back; offered to the agent when a reply was refused for the window.
 */
export async function sendTemplate(ctx: TicketContext, number: number, author: Actor): Promise<Message> {
  return change(ctx, async (tx, record, at) => {
    const ticket = await lockTicketByNumber(tx, number);
    if (!ticket) throw new NotFoundError(`there is no ticket #${number}`);
    if (!ctx.channels.get(ticket.channel)?.sendOutsideReplyWindow) {
      throw new ValidationError(`#${number} is on ${ticket.channel}, which has no approved template to send`, 'ticket');
    }
    nextStatus(ticket.number, ticket.status, 'agent-reply');
    const message = (await insertMessage(tx, {
      ticketId: ticket.id,
      channel: ticket.channel,
      direction: 'outbound',
      author,
      text: '(approved template inviting the customer to write back)',
      attachments: [],
      externalId: null,
      delivery: 'queued',
      template: true,
      at,
    }))!;
    record(ticket, 'message', author, { messageId: message.id, direction: 'outbound', template: true });
    await scheduleDelivery(ctx, tx, ticket);
    return message;
  });
}

/** A note takes what a reply takes; it just never leaves. */
export type NoteInput = ReplyInput;

/** Adds an internal note: kept beside the conversation, never sent to the customer. */
export async function note(ctx: TicketContext, input: NoteInput): Promise<Message> {
  if (input.text.trim() === '' && (input.attachments ?? []).length === 0) throw new ValidationError('a note needs text', 'text');
  return change(ctx, async (tx, record, at) => {
    const ticket = await lockTicketByNumber(tx, input.ticket);
    if (!ticket) throw new NotFoundError(`there is no ticket #${input.ticket}`);
    return storeNote(tx, record, at, ticket, input);
  });
}

/** The note's writes, inside a change. */
export async function storeNote(tx: Tx, record: RecordEvent, at: Date, ticket: Ticket, input: Omit<NoteInput, 'ticket'>): Promise<Message> {
  const message = (await insertMessage(tx, {
    ticketId: ticket.id,
    channel: ticket.channel,
    direction: 'note',
    author: input.author,
    text: input.text,
    attachments: input.attachments ?? [],
    externalId: null,
    slackTs: input.slackTs ?? null,
    at,
  }))!;
  record(ticket, 'message', input.author, { messageId: message.id, direction: 'note' });
  return message;
}
