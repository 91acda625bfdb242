import type { ChannelName, DeliveryState, IdentityKind } from '../channels/contract.ts';
import type { StoredFile } from '../files/store.ts';
import type { Priority, Status } from './lifecycle.ts';

export type Direction = 'inbound' | 'outbound' | 'note' | 'system';

/** A ticket row as postgres.js returns it (camelCased). */
export interface Ticket {
  id: number;
  number: number;
  contactId: number;
  identityId: number;
  channel: ChannelName;
  conversation: string;
  subject: string | null;
  status: Status;
  priority: Priority;
  assignee: string | null;
  team: string | null;
  tags: string[];
  custom: Record<string, unknown>;
  escalationLevel: number;
  previousTicketId: number | null;
  slaDueAt: Date | null;
  slaDueMetric: string | null;
  slaBreachedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  firstResponseAt: Date | null;
  lastInboundAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  csatScore: number | null;
}

export interface Message {
  id: string;
  seq: string;
  ticketId: number;
  channel: ChannelName;
  direction: Direction;
  author: string | null;
  text: string;
  attachments: StoredFile[];
  externalId: string | null;
  slackTs: string | null;
  delivery: DeliveryState | null;
  deliveryCode: string | null;
  deliveryReason: string | null;
  attempts: number;
  claimedUntil: Date | null;
  sentAt: Date | null;
  createdAt: Date;
}

export interface Identity {
  id: number;
  contactId: number;
  kind: IdentityKind;
  address: string;
  displayName: string | null;
  optedOutAt: Date | null;
}

export interface Contact {
  id: number;
  name: string | null;
}

/**
 * Who did something: `customer`, `system`, `api`, or a Slack user id (`U123ABC`). Every event
 * carries one.
 */
export type Actor = string;

/** Kinds of event in the audit trail (events.kind). */
export type EventKind =
  | 'created'
  | 'message'
  | 'reply-sent'
  | 'delivery'
  | 'status'
  | 'claimed'
  | 'assigned'
  | 'priority'
  | 'escalated'
  | 'tagged'
  | 'consent'
  | (string & {});

/** An event as recorded, and as observers see it. */
export interface TicketEvent {
  ticketId: number;
  number: number;
  kind: EventKind;
  actor: Actor;
  data: Record<string, unknown>;
  at: Date;
}
