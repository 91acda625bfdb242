/**
 * Storing what Switchboard says by itself and sending it through the durable delivery pipeline,
 * inside the transaction of the change that causes it: the acknowledgement of a new ticket and
 * the survey of a resolved one (status answers: automatic-answers.ts).
 */
import type { Tx } from '../db/index.ts';
import { insertAutomaticMessage, identityVoice, type NewAutomaticMessage } from './automatic-sql.ts';
import { contactAttributes } from './contacts-sql.ts';
import type { RecordEvent, TicketContext } from './context.ts';
import { scheduleDelivery } from './schedule-delivery.ts';
import type { Message, Ticket } from './types.ts';

/**
 * Stores an automatic message and, for one to the customer, its delivery job, in the caller's
 * transaction. Undefined when a unique key refused it (a second acknowledgement or survey).
 */
export async function queueAutomatic(
  ctx: TicketContext,
  tx: Tx,
  record: RecordEvent,
  ticket: Ticket,
  message: Omit<NewAutomaticMessage, 'ticketId' | 'channel' | 'author' | 'attachments' | 'externalId'> & { externalId?: string | null },
): Promise<Message | undefined> {
  const outbound = message.direction === 'outbound';
  const stored = await insertAutomaticMessage(tx, {
    ...message,
    ticketId: ticket.id,
    channel: ticket.channel,
    author: null,
    attachments: [],
    externalId: message.externalId ?? null,
    ...(outbound ? { delivery: 'queued' as const } : {}),
  });
  if (!stored) return undefined;
  record(ticket, 'message', outbound ? 'system' : 'customer', { messageId: stored.id, direction: stored.direction, automatic: message.automatic });
  if (outbound) await scheduleDelivery(ctx, tx, ticket);
  return stored;
}

/**
 * Acknowledges a new ticket's first message on the customer's channel: ticket number and when to
 * expect an answer. Once per ticket (a unique key); never to a channel this server lacks.
 */
export async function acknowledge(ctx: TicketContext, tx: Tx, record: RecordEvent, ticket: Ticket, customer: { name: string | null; language: string | null }, at: Date): Promise<void> {
  if (!ctx.customer || !ctx.channels.has(ticket.channel)) return;
  // The contact's tags can pick the first-reply target (switchboard.yml `sla.tags`).
  const { tags } = await contactAttributes(tx, ticket.contactId);
  const text = ctx.customer.acknowledgement({ ticket, customerName: customer.name, language: customer.language, at, contactTags: tags });
  if (text) await queueAutomatic(ctx, tx, record, ticket, { direction: 'outbound', automatic: 'acknowledgement', text, at });
}

/**
 * Asks the customer to rate a ticket just resolved: buttons where the channel has them, else a
 * reply with a number or signed links. At most one survey per ticket (a unique key), so a
 * ticket resolved again is not asked again; none to a customer who opted out.
 */
export async function requestSurvey(ctx: TicketContext, tx: Tx, record: RecordEvent, ticket: Ticket, at: Date): Promise<void> {
  const channel = ctx.channels.get(ticket.channel);
  if (!ctx.customer || !channel) return;
  const voice = await identityVoice(tx, ticket.identityId);
  if (voice.optedOut) return;
  const survey = ctx.customer.survey({ ticket, language: voice.language, maxChoices: channel.limits.maxChoices });
  if (!survey) return;
  const message = await queueAutomatic(ctx, tx, record, ticket, { direction: 'outbound', automatic: 'survey', text: survey.text, choices: survey.choices ?? null, at });
  if (message) record(ticket, 'csat-requested', 'system', { messageId: message.id, answer: survey.answer });
}
