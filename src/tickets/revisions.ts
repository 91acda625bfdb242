import { createHash } from 'node:crypto';
import type { InboundDeletion, InboundEdit, RevisionResult } from '../channels/contract.ts';
import { ValidationError } from '../errors.ts';
import { cleanInbound } from './clean.ts';
import { change, type TicketContext } from './context.ts';
import { findInboundForRevision, insertRevision, markDeleted, markEdited } from './messages-sql.ts';

/**
 * Records a customer's edit or deletion of a message they sent, in one transaction: the
 * original text stays as it was, the revision is kept beside it (a repeat of the same revision
 * is stored once) and an event lets Slack update the message's post in place. An edit or
 * deletion of a message we never stored changes nothing (`unknown`).
 */
export async function revise(ctx: TicketContext, event: InboundEdit | InboundDeletion): Promise<RevisionResult> {
  const revision = cleanInbound(event);
  if (!revision.externalId) throw new ValidationError('the platform message id is empty', 'id');
  return change(ctx, async (tx, record, at) => {
    const message = await findInboundForRevision(tx, revision.channel, revision.externalId);
    if (!message) return { outcome: 'unknown' } as const;
    const when = revision.at ?? at;
    // Without the platform's own mark, the text tells one edit from another.
    const key = revision.kind === 'edit' ? (revision.revision ?? createHash('sha256').update(revision.text).digest('hex').slice(0, 32)) : 'deleted';
    const stored = await insertRevision(tx, { messageId: message.id, kind: revision.kind, revision: key, text: revision.kind === 'edit' ? revision.text : null, at: when });
    if (!stored) return { outcome: 'duplicate', ticket: message.number, message: message.id } as const;
    const ticket = { id: message.ticketId, number: message.number };
    if (revision.kind === 'edit') {
      await markEdited(tx, message.id, revision.text, when);
      record(ticket, 'message-edited', 'customer', { messageId: message.id, revision: key });
    } else {
      await markDeleted(tx, message.id, when);
      record(ticket, 'message-deleted', 'customer', { messageId: message.id });
    }
    return { outcome: 'applied', ticket: message.number, message: message.id } as const;
  });
}
