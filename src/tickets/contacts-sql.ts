import type { IdentityKind } from '../channels/contract.ts';
import type { Db, Tx } from '../db/index.ts';
import type { Identity } from './types.ts';

/**
 * Serialises every write for one sender (identity creation and its ticket lookup) until the
 * transaction ends. Two first messages from a new sender meet here instead of racing to make
 * two contacts or two tickets; senders do not wait on each other.
 */
export async function lockSender(tx: Tx, kind: IdentityKind, address: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${`identity:${kind}:${address}`}, 0))`;
}

export async function findIdentity(db: Db, kind: IdentityKind, address: string): Promise<Identity | undefined> {
  const [row] = await db<Identity[]>`
    select id, contact_id, kind, address, display_name, opted_out_at, language
    from identities where kind = ${kind} and address = ${address}`;
  return row;
}

/** Creates a contact and its first identity (speaking `language`, when known) in one statement. */
export async function insertContactWithIdentity(db: Db, kind: IdentityKind, address: string, name: string | null, language: string | null = null): Promise<Identity> {
  const [row] = await db<Identity[]>`
    with contact as (insert into contacts (name) values (${name}) returning id)
    insert into identities (contact_id, kind, address, display_name, language)
    select id, ${kind}, ${address}, ${name}, ${language}::text from contact
    returning id, contact_id, kind, address, display_name, opted_out_at, language`;
  return row!;
}

/** Keeps the language the customer's platform told us last (it speaks for what Switchboard says). */
export async function setIdentityLanguage(db: Db, identityId: number, language: string): Promise<void> {
  await db`update identities set language = ${language} where id = ${identityId} and language is distinct from ${language}`;
}

/** Fills in a display name the platform tells us for the first time (or that changed). */
export async function updateDisplayName(db: Db, identity: Identity, name: string): Promise<void> {
  await db`
    with i as (update identities set display_name = ${name} where id = ${identity.id})
    update contacts set name = coalesce(name, ${name}), updated_at = now() where id = ${identity.contactId}`;
}

/** Records an opt-out (SMS STOP) or an opt-in (START) on the identity. */
export async function setOptOut(db: Db, identityId: number, at: Date | null): Promise<void> {
  await db`update identities set opted_out_at = ${at} where id = ${identityId}`;
}

export async function findContactWithIdentities(db: Db, contactId: number) {
  const [contact] = await db<{ id: number; name: string | null }[]>`select id, name from contacts where id = ${contactId}`;
  const identities = await db<{ kind: IdentityKind; address: string }[]>`
    select kind, address from identities where contact_id = ${contactId} order by id`;
  return contact ? { ...contact, identities: [...identities] } : undefined;
}

/** A contact's own attributes: what routing rules read. */
export async function contactAttributes(db: Db, contactId: number): Promise<{ tags: string[]; custom: Record<string, unknown> }> {
  const [row] = await db<{ tags: string[]; custom: Record<string, unknown> }[]>`select tags, custom from contacts where id = ${contactId}`;
  return row ?? { tags: [], custom: {} };
}
