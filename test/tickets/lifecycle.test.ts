import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../../src/errors.ts';
import { decide, LIFECYCLE_EVENTS, STATUSES, type LifecycleEvent, type Status } from '../../src/tickets/lifecycle.ts';

// product.md §2, cell by cell: `→ X` moves to X, `linked` opens a new linked ticket,
// `window` is open within REOPEN_WINDOW else a new linked ticket, `✗` is refused.
const TABLE: Record<Status, Record<LifecycleEvent, string>> = {
  new: { claim: 'open', 'agent-reply': 'open', 'set-pending': 'pending', resolve: 'resolved', 'customer-message': 'new', reopen: '✗', close: 'closed' },
  open: { claim: 'open', 'agent-reply': 'open', 'set-pending': 'pending', resolve: 'resolved', 'customer-message': 'open', reopen: '✗', close: 'closed' },
  pending: { claim: 'pending', 'agent-reply': 'pending', 'set-pending': '✗', resolve: 'resolved', 'customer-message': 'open', reopen: '✗', close: 'closed' },
  resolved: { claim: 'resolved', 'agent-reply': 'resolved', 'set-pending': '✗', resolve: '✗', 'customer-message': 'window', reopen: 'open', close: 'closed' },
  closed: { claim: '✗', 'agent-reply': '✗', 'set-pending': '✗', resolve: '✗', 'customer-message': 'linked', reopen: '✗', close: '✗' },
};

describe('the lifecycle table', () => {
  for (const status of STATUSES) {
    for (const event of LIFECYCLE_EVENTS) {
      const expected = TABLE[status][event];
      it(`${status} + ${event} → ${expected}`, () => {
        if (expected === '✗') {
          const error = (() => {
            try {
              decide(7, status, event);
            } catch (e) {
              return e;
            }
          })();
          expect(error).toBeInstanceOf(IllegalTransitionError);
          expect((error as Error).message).toMatch(/^#7 /);
          expect((error as Error).message).not.toContain('\n');
        } else if (expected === 'linked') {
          expect(decide(7, status, event)).toEqual({ newLinkedTicket: true });
        } else if (expected === 'window') {
          expect(decide(7, status, event, true)).toEqual({ status: 'open' });
          expect(decide(7, status, event, false)).toEqual({ newLinkedTicket: true });
        } else {
          expect(decide(7, status, event)).toEqual({ status: expected });
        }
      });
    }
  }

  it('says a closed ticket cannot take an agent reply, in one line', () => {
    expect(() => decide(12, 'closed', 'agent-reply')).toThrow('#12 is closed: start a new ticket');
  });
});
