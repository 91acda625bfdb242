import type { Tx } from '../db/index.ts';
import type { RecordEvent } from './context.ts';
import { insertMessage } from './messages-sql.ts';
import type { EventData, Message, Ticket } from './types.ts';

/**
 * Adds a line from Switchboard itself to the ticket's conversation (a delivery failure, an
 * opt-out, an SLA warning). It never reaches the customer; Slack shows it in the thread.
 * Its `message` event carries `data` with the system message's own id and direction.
 */
export async function addSystemMessage(
  tx: Tx,
  record: RecordEvent,
  ticket: Pick<Ticket, 'id' | 'number' | 'channel'>,
  text: string,
  at: Date,
  data: Omit<Partial<EventData['message']>, 'direction'> = {},
): Promise<Message> {
  const message = await insertMessage(tx, {
    ticketId: ticket.id,
    channel: ticket.channel,
    direction: 'system',
    author: null,
    text,
    attachments: [],
    externalId: null,
    at,
  });
  record(ticket, 'message', 'system', { ...data, messageId: message!.id, direction: 'system' });
  return message!;
}
