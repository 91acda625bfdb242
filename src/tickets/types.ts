import type { ChannelName, DeliveryState, IdentityKind, OutboundChoice } from '../channels/contract.ts';
import type { StoredFile } from '../files/store.ts';
import type { Priority, Status } from './lifecycle.ts';

export type Direction = 'inbound' | 'outbound' | 'note' | 'system';

/**
 * What Switchboard says to the customer by itself, and the customer messages it answers that
 * way: the acknowledgement of a new ticket, a status question and its answer, the survey and
 * the score that answers it (migration 020).
 */
export const AUTOMATIC_KINDS = ['acknowledgement', 'status', 'survey'] as const;
export type AutomaticKind = (typeof AUTOMATIC_KINDS)[number];

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
  /** People the customer copied (email To/Cc other than ours): copied on every reply. */
  cc: string[];
  status: Status;
  priority: Priority;
  assignee: string | null;
  team: string | null;
  /** The routing rules that matched its first message, in order. */
  routedBy: string[];
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
  /** What the customer wrote with their score. */
  csatComment: string | null;
  /** The ticket this one was merged into (its id): closed, its conversation continues there. */
  mergedInto: number | null;
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
  /** The message exactly as it arrived (an email's source), for the agents. */
  original: StoredFile | null;
  externalId: string | null;
  /** The customer's latest edit of an inbound message (`text` stays what they first wrote). */
  editedText: string | null;
  editedAt: Date | null;
  /** When the customer deleted it; its text is kept for the agents. */
  deletedAt: Date | null;
  slackTs: string | null;
  delivery: DeliveryState | null;
  deliveryCode: string | null;
  deliveryReason: string | null;
  attempts: number;
  template: boolean;
  /** Set when Switchboard wrote it (outbound) or answered it (inbound) by itself. */
  automatic: AutomaticKind | null;
  /** Buttons it offers the customer (a survey's scores). */
  choices: OutboundChoice[] | null;
  /** Where it was said, when not in its ticket's conversation (a status question asked elsewhere). */
  conversation: string | null;
  claimedUntil: Date | null;
  /**
   * Outbound: since when a send of it may have reached the platform without an answer saying
   * so (the worker died mid-send, a timeout); null when every send so far was answered.
   */
  unsureSince: Date | null;
  /** The ticket it was on before a merge brought it here (its id). */
  mergedFrom: number | null;
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
  /** The customer's language as their platform last told it (`de`, `pt-br`). */
  language: string | null;
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
 * The events of the audit trail (events.kind), each kind with the `data` it carries. Reports
 * and the ticket's history are computed from these; observers (Slack, SLA) react to them.
 */
export interface EventData {
  /** A customer opened a ticket. */
  created: { channel: ChannelName; priority: Priority; previousTicketId: number | null };
  /**
   * A message was stored (inbound, outbound, note, system). A reply sent as the channel's
   * approved template says `template`; a system line may carry the platform's error `code` and
   * an `offer` the agent can take (the template, outside WhatsApp's window).
   */
  message: { messageId: string; direction: Direction; template?: boolean; code?: string | null; offer?: 'template'; automatic?: AutomaticKind };
  /**
   * A reply reached the platform: an agent's, or one Switchboard wrote (`automatic`), which is
   * nobody's first response.
   */
  'reply-sent': { messageId: string; externalId: string; attempts: number; automatic?: AutomaticKind };
  /** A reply's delivery state changed (failed, delivered…). */
  delivery: { messageId: string; state: DeliveryState | null; code: string | null; reason: string | null };
  /** The lifecycle moved. */
  status: { from: Status; to: Status; reason?: string };
  /** Ownership changed: claimed by `assignee` (`by: 'reply'` when replying claimed it)… */
  claimed: { assignee: string; by?: string };
  /** …or assigned by someone else (`null`: unassigned). */
  assigned: { from: string | null; to: string | null; by?: string };
  priority: { from: Priority; to: Priority };
  tagged: { added: string[] };
  /** The customer opted out (SMS STOP) or back in. */
  consent: { identityId: number; optedOut: boolean };
  /** An agent escalated (Slack posts it to the escalation channel). */
  escalated: { level: number; reason: string | null };
  /** A target is near (actor `sla`); `dueAt` is null while the clock is paused. */
  'sla-warning': { metric: string; cycle: number; dueAt: string | null; leftMs: number };
  /**
   * A target was missed; the escalation level rose to `level`; `mentions` are Slack mentions to
   * add (urgent tickets). `late: true` marks one found only after its cycle ended (met late):
   * recorded for attainment, it raises nothing and pages nobody.
   */
  'sla-breach': { metric: string; cycle: number; dueAt: string; waitingMs: number; level: number; mentions: string[]; late?: true };
  /** A further escalation step after a breach while the target is still unmet. */
  'sla-ladder': { metric: string; cycle: number; step: number; waitingMs: number; mentions: string[] };
  /** The customer edited a message they sent; `revision` tells repeats of one edit apart. */
  'message-edited': { messageId: string; revision: string };
  /** The customer deleted a message they sent (its text is kept for the agents). */
  'message-deleted': { messageId: string };
  /** Intake placed a new ticket: its team and the rules that matched (none: the default team). */
  routed: { team: string | null; rules: string[]; priority?: Priority; tags?: string[]; assignee?: string };
  /** The ticket's contact changed: its tags and custom fields now. */
  'contact-updated': { contactId: number; tags: string[]; custom: Record<string, string | number | boolean> };
  /** An agent moved the ticket to another team (`from`: null when it had none). */
  'team-moved': { from: string | null; to: string };
  /** Sending moved the conversation to a new key (a Discord thread opened by the first reply). */
  'conversation-moved': { from: string; to: string };
  /**
   * The customer was asked to rate the resolved ticket: by the platform's buttons, by replying
   * with a number, or by links (email). At most one per ticket. Reports take the response rate
   * from these and `csat`.
   */
  'csat-requested': { messageId: string; answer: CsatAnswerWay };
  /**
   * The customer rated the ticket 1–5, with what they wrote after the score (`messageId`: the
   * message that carried it, when they answered by writing). At most one per ticket.
   */
  csat: { score: number; comment: string | null; messageId?: string };
  /** This ticket was merged into ticket `into` (a number) and closed; its `messages` moved there. */
  merged: { into: number; intoTicketId: number; messages: number };
  /** Ticket `from` (a number) was merged into this one: its `messages` are here now. */
  'merged-in': { from: number; fromTicketId: number; messages: number };
}

/** How a survey is answered: the platform's buttons, a reply with the number, or signed links. */
export type CsatAnswerWay = 'buttons' | 'reply' | 'links';

export type EventKind = keyof EventData;

/** An event of one kind, as recorded and as observers see it. */
export type EventOf<K extends EventKind> = {
  ticketId: number;
  number: number;
  kind: K;
  actor: Actor;
  data: EventData[K];
  at: Date;
};

/** Any event: narrow by `kind` to read its `data`. */
export type TicketEvent = { [K in EventKind]: EventOf<K> }[EventKind];
