/**
 * What the event webhook POSTs, and what the receiver's answer means: pure functions, so the
 * contract can be read (and tested) apart from the sending.
 */
import type { ClaimedEvent } from './outbox-sql.ts';

/** The ticket as the change that recorded the event left it. */
export interface TicketSnapshot {
  number: number;
  status: string;
  priority: string;
  assignee: string | null;
  team: string | null;
  tags: string[];
  channel: string;
  subject: string | null;
  contact: { id: number; name: string | null; address: string };
}

/** The message an event names (`data.messageId`), as it was when the event happened. */
export interface MessageSnapshot {
  id: string;
  direction: string;
  author: string | null;
  text: string;
  attachments: { name: string; contentType: string; size: number }[];
  delivery: string | null;
  /** The customer's latest edit, and when they deleted it (`text` stays what they first wrote). */
  editedText: string | null;
  deletedAt: string | null;
  createdAt: string;
}

/**
 * The body of one POST: `type` is the event's kind exactly as the audit trail records it
 * (`created`, `status`, `message`…, and any kind added later), `data` what that kind carries.
 */
export interface EventPayload {
  id: string;
  type: string;
  at: string;
  ticket: TicketSnapshot | null;
  actor: string;
  data: unknown;
}

/** The payload of a claimed event; the keys in a fixed order, so a body reads the same every time. */
export function eventPayload(event: ClaimedEvent): EventPayload {
  const data = isObject(event.data) && event.message ? { ...event.data, message: messageSnapshot(event.message) } : event.data;
  return { id: event.eventId, type: event.kind, at: event.at.toISOString(), ticket: event.ticket ? ticketSnapshot(event.ticket) : null, actor: event.actor, data };
}

function ticketSnapshot(t: Record<string, unknown>): TicketSnapshot {
  const contact = (t.contact ?? {}) as Record<string, unknown>;
  return {
    number: t.number as number,
    status: t.status as string,
    priority: t.priority as string,
    assignee: (t.assignee ?? null) as string | null,
    team: (t.team ?? null) as string | null,
    tags: (t.tags ?? []) as string[],
    channel: t.channel as string,
    subject: (t.subject ?? null) as string | null,
    contact: { id: contact.id as number, name: (contact.name ?? null) as string | null, address: contact.address as string },
  };
}

function messageSnapshot(m: Record<string, unknown>): MessageSnapshot {
  return {
    id: m.id as string,
    direction: m.direction as string,
    author: (m.author ?? null) as string | null,
    text: m.text as string,
    attachments: (m.attachments ?? []) as MessageSnapshot['attachments'],
    delivery: (m.delivery ?? null) as string | null,
    editedText: (m.editedText ?? null) as string | null,
    deletedAt: m.deletedAt ? new Date(m.deletedAt as string).toISOString() : null,
    createdAt: new Date(m.createdAt as string).toISOString(),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What an answer means for the event: taken, refused for good, or to be tried again. */
export type Answer =
  | { kind: 'delivered' }
  | { kind: 'refused'; status: number; reason: string }
  | { kind: 'retry'; reason: string; rateLimited: boolean; retryAfterMs?: number };

// 4xx answers that say "not yet" rather than "never": the address or the receiver's key is not
// right yet (401, 403, 404, 405: an operator fixes it, and then every event still arrives), or
// the receiver is busy (408, 425, 429). Any other 4xx (400, 409, 410 Gone, 413, 422…) says it
// read this event and will never take it: sending the same bytes again cannot change that, and
// holding the ticket's line on it would stop the rest of the ticket's life from arriving.
const NOT_YET = new Set([401, 403, 404, 405, 408, 425, 429]);

/**
 * Classifies an HTTP answer: 2xx delivered; a 4xx outside NOT_YET refused for good; anything
 * else (5xx, the NOT_YET 4xx, a redirect, which is not followed) retried, with Retry-After.
 */
export function classifyAnswer(status: number, retryAfterMs: number | undefined, excerpt: string): Answer {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const said = excerpt ? `: ${excerpt}` : '';
  if (status >= 400 && status < 500 && !NOT_YET.has(status)) return { kind: 'refused', status, reason: `answered ${status}${said}` };
  const reason = status >= 300 && status < 400 ? `answered ${status} (redirects are not followed: set EVENT_WEBHOOK_URL to the final address)` : `answered ${status}${said}`;
  return { kind: 'retry', reason, rateLimited: status === 429, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}
