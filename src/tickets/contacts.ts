import type { IdentityKind } from '../channels/contract.ts';
import type { Db } from '../db/index.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { change, type TicketContext } from './context.ts';
import { findTicketByNumber } from './tickets-sql.ts';
import type { Actor, Ticket } from './types.ts';

/**
 * A contact's own attributes (product.md §2): tags (a VIP tag routing rules read) and custom
 * fields (a plan, an account id), set from Slack and over the API, shown on cards.
 */
export interface ContactView {
  id: number;
  name: string | null;
  tags: string[];
  custom: Record<string, string | number | boolean>;
  identities: { kind: IdentityKind; address: string }[];
  tickets: { total: number; open: number };
  /** The contact this one was merged into (its identities and tickets are there now). */
  mergedInto: number | null;
}

/** What may change: tags replaced or added/removed, custom fields merged (null removes one). */
export interface ContactPatch {
  name?: string | null;
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
  custom?: Record<string, string | number | boolean | null>;
}

const TAG = /^[\p{L}\p{N}][\p{L}\p{N}_.:-]{0,63}$/u;
const FIELD = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export async function contactView(db: Db, id: number): Promise<ContactView> {
  const [contact] = await db<{ id: number; name: string | null; tags: string[]; custom: ContactView['custom']; mergedInto: number | null }[]>`
    select id, name, tags, custom, merged_into from contacts where id = ${id}`;
  if (!contact) throw new NotFoundError(`there is no contact ${id}`);
  const [identities, [counts]] = await Promise.all([
    db<{ kind: IdentityKind; address: string }[]>`select kind, address from identities where contact_id = ${id} order by id`,
    db<{ total: number; open: number }[]>`select count(*)::int as total, (count(*) filter (where status <> 'closed'))::int as open from tickets where contact_id = ${id}`,
  ]);
  return {
    id: contact.id,
    name: contact.name,
    tags: contact.tags,
    custom: contact.custom,
    identities: [...identities],
    tickets: counts ?? { total: 0, open: 0 },
    mergedInto: contact.mergedInto,
  };
}

/**
 * Changes a contact, in one transaction: the row, and an event on each of its open tickets
 * (`contact-updated`), so their cards show the new attributes.
 */
export async function updateContact(ctx: TicketContext, id: number, patch: ContactPatch, actor: Actor): Promise<ContactView> {
  for (const tag of [...(patch.tags ?? []), ...(patch.addTags ?? []), ...(patch.removeTags ?? [])]) {
    if (!TAG.test(tag)) throw new ValidationError(`"${tag}" is not a tag: letters, digits and _ . : - (up to 64)`, 'tags');
  }
  for (const field of Object.keys(patch.custom ?? {})) {
    if (!FIELD.test(field)) throw new ValidationError(`"${field}" is not a field name: a letter, then letters, digits and _ . - (up to 64)`, 'custom');
  }
  await change(ctx, async (tx, record, at) => {
    const [contact] = await tx<{ tags: string[]; custom: Record<string, unknown> }[]>`select tags, custom from contacts where id = ${id} for update`;
    if (!contact) throw new NotFoundError(`there is no contact ${id}`);
    const lower = (tags: string[]) => tags.map((t) => t.toLowerCase());
    let tags = patch.tags ? lower(patch.tags) : contact.tags;
    if (patch.addTags) tags = [...tags, ...lower(patch.addTags)];
    if (patch.removeTags) tags = tags.filter((t) => !lower(patch.removeTags!).includes(t));
    tags = [...new Set(tags)];
    const custom = { ...contact.custom };
    for (const [field, value] of Object.entries(patch.custom ?? {})) {
      if (value === null) delete custom[field];
      else custom[field] = value;
    }
    await tx`
      update contacts set tags = ${tags}::text[], custom = ${tx.json(custom as never)}, updated_at = ${at}
        ${patch.name !== undefined ? tx`, name = ${patch.name}` : tx``}
      where id = ${id}`;
    const open = await tx<Ticket[]>`select * from tickets where contact_id = ${id} and status <> 'closed' order by id`;
    for (const ticket of open) record(ticket, 'contact-updated', actor, { contactId: id, tags, custom: custom as Record<string, string | number | boolean> });
  });
  return contactView(ctx.sql, id);
}

/** The contact of ticket #`number`. */
export async function contactOfTicket(ctx: TicketContext, number: number): Promise<number> {
  const ticket = await findTicketByNumber(ctx.sql, number);
  if (!ticket) throw new NotFoundError(`there is no ticket #${number}`);
  return ticket.contactId;
}
