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
  recipient: string | null;
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
  template: boolean;
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

/**
 * Kinds of event in the audit trail (events.kind), with the `data` each carries. Reports and
 * the ticket's history are computed from these; observers (Slack, SLA) react to them.
 *
 * - `created` { channel, priority, previousTicketId }: a customer opened a ticket.
 * - `message` { messageId, direction }: a message was stored (inbound, outbound, note, system).
 * - `reply-sent` { messageId, externalId, attempts }: an agent's reply reached the platform.
 * - `delivery` { messageId, state, code, reason }: a reply's delivery state changed (failed…).
 * - `status` { from, to, reason? }: the lifecycle moved.
 * - `claimed` { assignee, by? }, `assigned` { from, to }: ownership changed.
 * - `priority` { from, to }, `tagged` { added }, `consent` { identityId, optedOut }.
 * - `escalated` { level, reason }: an agent escalated (Slack posts it to the escalation channel).
 * - `sla-warning` { metric, cycle, dueAt, leftMs }: a target is near (actor `sla`); `dueAt` is
 *   null while the clock is paused.
 * - `sla-breach` { metric, cycle, dueAt, waitingMs, level, mentions, late? }: a target was
 *   missed; the escalation level rose to `level`; `mentions` are Slack mentions to add (urgent
 *   tickets). `late: true` marks one found only after its cycle ended (met late): recorded for
 *   attainment, it raises nothing and pages nobody.
 * - `sla-ladder` { metric, cycle, step, waitingMs, mentions }: a further escalation step after a
 *   breach while the target is still unmet.
 */
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
  | 'sla-warning'
  | 'sla-breach'
  | 'sla-ladder'
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
