import type { Tx } from '../db/index.ts';
import { QUEUES, deliveryQueueThrough } from '../jobs/index.ts';
import type { TicketContext } from './context.ts';
import type { Ticket } from './types.ts';

/**
 * Triggers the ticket's delivery job now, or at `at` (a retry, a pacing slot): on the queue of
 * its channel's connection when the channel sends through it, so the holder sends it.
 */
export async function scheduleDelivery(
  ctx: Pick<TicketContext, 'jobs' | 'channels'>,
  db: Tx | TicketContext['sql'],
  ticket: Pick<Ticket, 'id' | 'channel'>,
  at?: Date,
): Promise<void> {
  const queue = ctx.channels.get(ticket.channel)?.sendsThroughConnection ? deliveryQueueThrough(ticket.channel) : QUEUES.deliver;
  await ctx.jobs.send(db, queue, { ticketId: ticket.id }, { singletonKey: String(ticket.id), ...(at ? { startAfter: at } : {}) });
}
