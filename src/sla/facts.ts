/**
 * A ticket's history as the SLA clock reads it: an ordered list of facts. There is no fact
 * for an internal note, a system message, an automatic acknowledgement or a send that failed:
 * none of them can satisfy a reply target, so none of them can be said to the clock at all.
 * `factFromMessage` is the one door from stored messages to facts.
 */
import type { DeliveryState } from '../channels/contract.ts';
import type { Priority, Status } from './types.ts';

export type TicketFact =
  | { kind: 'created'; at: Date; priority: Priority }
  | { kind: 'customer-message'; at: Date }
  /** A public reply the platform accepted for the customer (`sent`, `delivered` or `read`). */
  | { kind: 'agent-reply'; at: Date }
  | { kind: 'status'; at: Date; status: Status }
  | { kind: 'priority'; at: Date; priority: Priority };

/** The parts of a stored message the clock needs (product.md §2, Message). */
export interface MessageForSla {
  direction: 'inbound' | 'outbound' | 'note' | 'system';
  createdAt: Date;
  /** Outbound only: where delivery stands. */
  delivery?: DeliveryState | null;
  /** Outbound only: when the platform accepted it; the reply counts from then. */
  sentAt?: Date | null;
  /** True for messages Switchboard wrote by itself (acknowledgement, CSAT survey, status answer). */
  automatic?: boolean;
}

const REACHED_CUSTOMER: ReadonlySet<DeliveryState> = new Set(['sent', 'delivered', 'read']);

// Zendesk counts only a *public* comment by an agent as a reply; a private note never fulfils
// a reply metric. https://support.zendesk.com/hc/en-us/articles/4408829459866
// Automatic messages are left out too: an auto-acknowledgement answers nobody's question.
/** The fact a message contributes, or null when it does not count for the SLA. */
export function factFromMessage(message: MessageForSla): TicketFact | null {
  if (message.automatic) return null;
  if (message.direction === 'inbound') return { kind: 'customer-message', at: message.createdAt };
  if (message.direction !== 'outbound') return null;
  if (!message.delivery || !REACHED_CUSTOMER.has(message.delivery)) return null;
  return { kind: 'agent-reply', at: message.sentAt ?? message.createdAt };
}

/** Facts ordered by time; facts at the same instant keep the order they were given in. */
export function inOrder(facts: readonly TicketFact[]): TicketFact[] {
  return facts
    .map((fact, index) => ({ fact, index }))
    .sort((a, b) => a.fact.at.getTime() - b.fact.at.getTime() || a.index - b.index)
    .map(({ fact }) => fact);
}
