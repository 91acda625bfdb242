import { ConflictError, IllegalTransitionError, NotFoundError, ValidationError } from '../errors.ts';
import { change, type TicketContext } from './context.ts';
import { absorbTicket, closeAsMerged, hasReplyOnItsWay, lockTicketsByNumber, moveMessages } from './merge-sql.ts';
import type { Actor, Ticket } from './types.ts';

/** What a merge did: the ticket closed into the other, the one holding the conversation now, and how many messages moved. */
export interface MergeOutcome {
  from: Ticket;
  into: Ticket;
  messages: number;
  /** The same merge was made before (a repeated command or click): nothing changed now. */
  already: boolean;
}

/**
 * Merges ticket #`number` into #`into`, in one transaction: every message of #number moves to
 * #into (marked as from #number), #number is closed with a pointer to #into (a `status` event
 * with reason `merged`, so it is never surveyed nor counted as resolved), and both record what
 * happened (`merged`, `merged-in`) with the actor. Refused: the same ticket, an unknown one, a
 * closed source, a resolved or closed target, tickets of two contacts, a reply still on its way.
 */
export async function mergeTickets(ctx: TicketContext, number: number, into: number, actor: Actor): Promise<MergeOutcome> {
  if (number === into) throw new ValidationError(`#${number} cannot be merged into itself`, 'into');
  return change(ctx, async (tx, record, at) => {
    const locked = await lockTicketsByNumber(tx, [number, into]);
    const source = locked.find((t) => t.number === number);
    const target = locked.find((t) => t.number === into);
    if (!source) throw new NotFoundError(`there is no ticket #${number}`);
    if (!target) throw new NotFoundError(`there is no ticket #${into}`);
    if (source.mergedInto === target.id) return { from: source, into: target, messages: 0, already: true };
    if (source.status === 'closed') {
      throw new IllegalTransitionError(`#${number} is closed${source.mergedInto ? ' (merged already)' : ''}: there is nothing to merge`, source.status, 'merge');
    }
    if (target.status === 'resolved' || target.status === 'closed') {
      throw new IllegalTransitionError(`#${into} is ${target.status}: merge into a ticket that is still open${target.status === 'resolved' ? ', or reopen it first' : ''}`, target.status, 'merge');
    }
    if (source.contactId !== target.contactId) {
      throw new ConflictError(`#${number} and #${into} are from different contacts: merge the contacts first (\`/ticket contact merge ${source.contactId} ${target.contactId}\`)`);
    }
    if (await hasReplyOnItsWay(tx, source.id)) throw new ConflictError(`#${number} has a reply still on its way to the customer: merge it once that is sent`);

    const messages = await moveMessages(tx, source.id, target.id);
    const closed = await closeAsMerged(tx, source.id, target.id, at);
    const absorbed = await absorbTicket(tx, target.id, source, at);
    record(closed, 'merged', actor, { into: target.number, intoTicketId: target.id, messages });
    record(absorbed, 'merged-in', actor, { from: source.number, fromTicketId: source.id, messages });
    // Last, so it is the ticket's latest status event: what the survey and the reports read.
    record(closed, 'status', actor, { from: source.status, to: 'closed', reason: 'merged' });
    return { from: closed, into: absorbed, messages, already: false };
  });
}
