import type { Db } from '../db/index.ts';
import { NotFoundError } from '../errors.ts';
import { findContactWithIdentities } from './contacts-sql.ts';
import { listMessages } from './messages-sql.ts';
import { findTicketByNumber } from './tickets-sql.ts';

/** One live SLA target as the ticket API shows it. */
export interface TicketSlaTarget {
  metric: string;
  dueAt: string | null;
  paused: boolean;
  breachedAt: string | null;
}

/**
 * Reads a ticket's live SLA targets. The SLA engine keeps them in its own tables, so it is
 * passed in (src/app.ts): tickets know nothing of the parts built on them.
 */
export type SlaTargetsReader = (db: Db, ticketId: number) => Promise<TicketSlaTarget[]>;

/** A ticket as the API shows it: its state, contact and every message in order, notes included. */
export interface TicketView {
  number: number;
  status: string;
  priority: string;
  assignee: string | null;
  channel: string;
  conversation: string;
  subject: string | null;
  /** People the customer copied (email): copied on every reply. */
  cc: string[];
  tags: string[];
  escalationLevel: number;
  /** The SLA targets still running or paused (kept by the SLA engine); empty without one. */
  sla: TicketSlaTarget[];
  previousTicket: number | null;
  /** Where a ticket merged away went (its number): closed, its conversation continues there. */
  mergedInto: number | null;
  /** The tickets merged into this one (numbers). */
  mergedFrom: number[];
  createdAt: string;
  updatedAt: string;
  firstResponseAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  /** The customer's satisfaction score and comment, once they rated it. */
  csat: { score: number; comment: string | null } | null;
  contact: { id: number; name: string | null; identities: { kind: string; address: string }[] };
  messages: {
    id: string;
    direction: string;
    author: string | null;
    text: string;
    attachments: { name: string; contentType: string; size: number }[];
    /** The message as it arrived (an email's source), when the channel keeps it. */
    original: { name: string; contentType: string; size: number } | null;
    externalId: string | null;
    delivery: string | null;
    deliveryError: { code: string | null; reason: string } | null;
    /** Set when Switchboard wrote it, or answered it, by itself: `acknowledgement`, `status`, `survey`. */
    automatic: string | null;
    /** The ticket it was on before a merge brought it here (its number). */
    mergedFrom: number | null;
    createdAt: string;
  }[];
}

/** The ticket numbered `number` with its contact and messages; NotFoundError when there is none. */
export async function ticketView(db: Db, number: number, slaTargets?: SlaTargetsReader): Promise<TicketView> {
  const ticket = await findTicketByNumber(db, number);
  if (!ticket) throw new NotFoundError(`there is no ticket #${number}`);
  const [contact, messages, previous, sla, merges, mergedFrom] = await Promise.all([
    findContactWithIdentities(db, ticket.contactId),
    listMessages(db, ticket.id),
    ticket.previousTicketId ? db<{ number: number }[]>`select number from tickets where id = ${ticket.previousTicketId}` : Promise.resolve([]),
    slaTargets ? slaTargets(db, ticket.id) : Promise.resolve([]),
    mergeNumbers(db, ticket.id),
    db<{ number: number }[]>`select number from tickets where merged_into = ${ticket.id} order by number`,
  ]);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    number: ticket.number,
    status: ticket.status,
    priority: ticket.priority,
    assignee: ticket.assignee,
    channel: ticket.channel,
    conversation: ticket.conversation,
    subject: ticket.subject,
    cc: ticket.cc,
    tags: ticket.tags,
    escalationLevel: ticket.escalationLevel,
    sla,
    previousTicket: previous[0]?.number ?? null,
    mergedInto: ticket.mergedInto === null ? null : (merges.get(ticket.mergedInto) ?? null),
    mergedFrom: mergedFrom.map((t) => t.number),
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
    firstResponseAt: iso(ticket.firstResponseAt),
    resolvedAt: iso(ticket.resolvedAt),
    closedAt: iso(ticket.closedAt),
    csat: ticket.csatScore ? { score: ticket.csatScore, comment: ticket.csatComment } : null,
    contact: contact!,
    messages: messages.map((m) => ({
      id: m.id,
      direction: m.direction,
      author: m.author,
      text: m.text,
      attachments: m.attachments.map(({ name, contentType, size }) => ({ name, contentType, size })),
      original: m.original ? { name: m.original.name, contentType: m.original.contentType, size: m.original.size } : null,
      externalId: m.externalId,
      delivery: m.delivery,
      deliveryError: m.delivery === 'failed' || m.delivery === 'undelivered' ? { code: m.deliveryCode, reason: m.deliveryReason! } : null,
      automatic: m.automatic,
      mergedFrom: m.mergedFrom === null ? null : (merges.get(m.mergedFrom) ?? null),
      createdAt: m.createdAt.toISOString(),
    })),
  };
}

/**
 * The numbers of the tickets a ticket's merges name, by id: the one it went into, those merged
 * into it, and those its messages were written on.
 */
async function mergeNumbers(db: Db, ticketId: number): Promise<Map<number, number>> {
  const rows = await db<{ id: number; number: number }[]>`
    select id, number from tickets where merged_into = ${ticketId}
      or id = (select merged_into from tickets where id = ${ticketId})
      or id in (select merged_from from messages where ticket_id = ${ticketId} and merged_from is not null)`;
  return new Map(rows.map((r) => [r.id, r.number]));
}
