import { IllegalTransitionError } from '../errors.ts';

export const STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** What can happen to a ticket, as the columns of product.md §2's table. */
export const LIFECYCLE_EVENTS = ['claim', 'agent-reply', 'set-pending', 'resolve', 'customer-message', 'reopen', 'close'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/**
 * A cell of the table: the next status; `reopen-window` (open within REOPEN_WINDOW, else a
 * new linked ticket); `new-ticket` (a new linked ticket); or a refusal with its one-line reason.
 */
type Cell = Status | 'reopen-window' | 'new-ticket' | { refuse: string };

const no = (refuse: string): Cell => ({ refuse });

/** product.md §2, row by row. Anything not allowed here is an IllegalTransitionError. */
export const TRANSITIONS: Record<Status, Record<LifecycleEvent, Cell>> = {
  new: {
    claim: 'open',
    'agent-reply': 'open',
    'set-pending': 'pending',
    resolve: 'resolved',
    'customer-message': 'new',
    reopen: no('is not resolved, so there is nothing to reopen'),
    close: 'closed',
  },
  open: {
    claim: 'open',
    'agent-reply': 'open',
    'set-pending': 'pending',
    resolve: 'resolved',
    'customer-message': 'open',
    reopen: no('is already open'),
    close: 'closed',
  },
  pending: {
    claim: 'pending',
    'agent-reply': 'pending',
    'set-pending': no('is already pending'),
    resolve: 'resolved',
    'customer-message': 'open',
    reopen: no('is pending, not resolved: it reopens when the customer replies'),
    close: 'closed',
  },
  resolved: {
    claim: 'resolved',
    'agent-reply': 'resolved',
    'set-pending': no('is resolved: reopen it first'),
    resolve: no('is already resolved'),
    'customer-message': 'reopen-window',
    reopen: 'open',
    close: 'closed',
  },
  closed: {
    claim: no('is closed: start a new ticket'),
    'agent-reply': no('is closed: start a new ticket'),
    'set-pending': no('is closed'),
    resolve: no('is closed'),
    'customer-message': 'new-ticket',
    reopen: no('is closed, which is final: start a new ticket'),
    close: no('is already closed'),
  },
};

export type Decision = { status: Status } | { newLinkedTicket: true };

/**
 * Decides what `event` does to a ticket in `status`. `withinReopenWindow` matters only for a
 * customer message on a resolved ticket. Throws IllegalTransitionError naming the ticket.
 */
export function decide(number: number, status: Status, event: LifecycleEvent, withinReopenWindow = true): Decision {
  const cell = TRANSITIONS[status][event];
  if (typeof cell === 'object') throw new IllegalTransitionError(`#${number} ${cell.refuse}`, status, event);
  if (cell === 'new-ticket') return { newLinkedTicket: true };
  if (cell === 'reopen-window') return withinReopenWindow ? { status: 'open' } : { newLinkedTicket: true };
  return { status: cell };
}

/** The next status for an agent-side event, which never opens a new ticket. */
export function nextStatus(number: number, status: Status, event: Exclude<LifecycleEvent, 'customer-message'>): Status {
  const decision = decide(number, status, event);
  if ('status' in decision) return decision.status;
  throw new IllegalTransitionError(`#${number} cannot take ${event} here`, status, event);
}

export function isStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}

export function isPriority(value: string): value is Priority {
  return (PRIORITIES as readonly string[]).includes(value);
}
