import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { change, type RecordEvent, type TicketContext } from './context.ts';
import { lockSender } from './contacts-sql.ts';
import {
  changedSinceMerge,
  clashingTickets,
  findContactMerge,
  identitiesById,
  identitiesOf,
  insertContactEvent,
  lockContacts,
  moveBack,
  moveContactRows,
  openTicketsOf,
  setContactAttributes,
  setMergedInto,
  type ContactMergeData,
  type ContactRow,
} from './contact-merge-sql.ts';
import type { Tx } from '../db/index.ts';
import type { Actor } from './types.ts';

/** A contact merge done (or undone): its event (the handle to undo it), and what moved. */
export interface ContactMergeOutcome {
  event: string;
  from: number;
  into: number;
  identities: number;
  tickets: number;
}

/**
 * Merges contact `from` into `into`, in one transaction: `from`'s identities and tickets move to
 * `into`, whose tags and custom fields gain `from`'s (its own win), and `from` points at `into`.
 * A `contact-merged` event of no ticket records it all, with `into`'s attributes before, so
 * `unmergeContacts` can undo it; the open tickets' cards follow (`contact-updated`).
 */
export async function mergeContacts(ctx: TicketContext, from: number, into: number, actor: Actor): Promise<ContactMergeOutcome> {
  if (from === into) throw new ValidationError(`contact ${from} cannot be merged into itself`, 'into');
  // The senders' locks first, as intake takes them, so a message arriving meanwhile waits for
  // the merge (or the merge for it) and never lands on a contact half moved.
  const senders = await identitiesOf(ctx.sql, from);
  return change(ctx, async (tx, record, at) => {
    for (const sender of senders) await lockSender(tx, sender.kind, sender.address);
    const [source, target] = pick(await lockContacts(tx, [from, into]), from, into);
    if (source.mergedInto !== null) throw new ConflictError(`contact ${from} was merged into contact ${source.mergedInto} already`);
    if (target.mergedInto !== null) throw new ConflictError(`contact ${into} was merged into contact ${target.mergedInto}: merge into that one`);
    const now = await identitiesOf(tx, from);
    if (now.map((i) => i.id).join() !== senders.map((i) => i.id).join()) throw new ConflictError(`contact ${from} changed meanwhile: try again`);
    const clash = await clashingTickets(tx, from, into);
    if (clash) throw new ConflictError(`#${clash.one} and #${clash.other} are both open on one conversation: merge them (\`/ticket merge ${clash.one} ${clash.other}\`) or close one first`);

    const moved = await moveContactRows(tx, from, into, at);
    const before = { name: target.name, tags: target.tags, custom: target.custom };
    const combined = {
      name: target.name ?? source.name,
      tags: [...new Set([...target.tags, ...source.tags])],
      custom: { ...source.custom, ...target.custom },
    };
    await setContactAttributes(tx, into, combined, null, at);
    await setMergedInto(tx, from, into, at);
    const data: ContactMergeData = { from, into, identities: moved.identities, tickets: moved.tickets, before };
    const event = await insertContactEvent(tx, 'contact-merged', actor, { ...data }, at);
    await showContacts(tx, record, [into], actor);
    return { event, from, into, identities: moved.identities.length, tickets: moved.tickets.length };
  });
}

/**
 * Undoes the contact merge recorded by event `eventId`: the identities and tickets it moved go
 * back, the contact merged into gets its attributes from before, and a `contact-unmerged` event
 * records it. Refused once one of the moved identities has written since the merge (their new
 * messages belong to the merged contact now), once a moved ticket took part in a ticket merge,
 * when the merge was undone already, or when the contact was merged on since.
 */
export async function unmergeContacts(ctx: TicketContext, eventId: string, actor: Actor): Promise<ContactMergeOutcome> {
  if (!/^\d{1,18}$/.test(eventId)) throw new ValidationError(`"${eventId}" is not an event number`, 'event');
  const merge = await findContactMerge(ctx.sql, eventId);
  if (!merge) throw new NotFoundError(`event ${eventId} is not a contact merge`);
  const senders = await identitiesById(ctx.sql, merge.data.identities);
  return change(ctx, async (tx, record, at) => {
    for (const sender of senders) await lockSender(tx, sender.kind, sender.address);
    const { from, into } = merge.data;
    const [source, target] = pick(await lockContacts(tx, [from, into]), from, into);
    const again = await findContactMerge(tx, eventId);
    if (again?.undone) throw new ConflictError(`the merge of contact ${from} into ${into} (event ${eventId}) was undone already`);
    if (target.mergedInto !== null) throw new ConflictError(`contact ${into} was merged into contact ${target.mergedInto} since: undo that merge first`);
    if (source.mergedInto !== into) throw new ConflictError(`contact ${from} is no longer merged into contact ${into}`);
    const changed = await changedSinceMerge(tx, merge.data, merge.at);
    if (changed === 'message') {
      throw new ConflictError(`the merge of contact ${from} into ${into} can no longer be undone: the customer has written from a moved address since`);
    }
    if (changed === 'ticket-merge') {
      throw new ConflictError(`the merge of contact ${from} into ${into} can no longer be undone: its tickets were merged with others since`);
    }
    await moveBack(tx, merge.data, at);
    await setContactAttributes(tx, into, merge.data.before, null, at);
    await setMergedInto(tx, from, null, at);
    const event = await insertContactEvent(tx, 'contact-unmerged', actor, { event: eventId, from, into }, at);
    await showContacts(tx, record, [from, into], actor);
    return { event, from, into, identities: merge.data.identities.length, tickets: merge.data.tickets.length };
  });
}

function pick(rows: ContactRow[], from: number, into: number): [ContactRow, ContactRow] {
  const source = rows.find((c) => c.id === from);
  const target = rows.find((c) => c.id === into);
  if (!source) throw new NotFoundError(`there is no contact ${from}`);
  if (!target) throw new NotFoundError(`there is no contact ${into}`);
  return [source, target];
}

/** The contacts' open tickets record their contact as it is now, so their cards show it. */
async function showContacts(tx: Tx, record: RecordEvent, contactIds: number[], actor: Actor): Promise<void> {
  const contacts = await tx<{ id: number; tags: string[]; custom: Record<string, string | number | boolean> }[]>`
    select id, tags, custom from contacts where id = any(${contactIds}::int[])`;
  for (const ticket of await openTicketsOf(tx, contactIds)) {
    const contact = contacts.find((c) => c.id === ticket.contactId)!;
    record(ticket, 'contact-updated', actor, { contactId: contact.id, tags: contact.tags, custom: contact.custom });
  }
}
