import type { Sql } from '../db/index.ts';
import type { Scope } from './scopes.ts';

/** A scoped token as stored: never the token itself, only its hash and first characters. */
export interface ApiTokenRow {
  id: number;
  name: string;
  scope: Scope;
  prefix: string;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

const COLUMNS = (sql: Sql) => sql`id::int as id, name, scope, prefix, created_by as "createdBy", created_at as "createdAt",
  last_used_at as "lastUsedAt", revoked_at as "revokedAt", revoked_by as "revokedBy"`;

export async function insertApiToken(sql: Sql, token: { name: string; scope: Scope; hash: string; prefix: string; createdBy: string }): Promise<ApiTokenRow> {
  const [row] = await sql<ApiTokenRow[]>`
    insert into api_tokens (name, scope, token_hash, prefix, created_by)
    values (${token.name}, ${token.scope}, ${token.hash}, ${token.prefix}, ${token.createdBy})
    returning ${COLUMNS(sql)}`;
  return row!;
}

/** Every token, newest first (revoked ones too: the list says so). */
export async function listApiTokens(sql: Sql): Promise<ApiTokenRow[]> {
  return sql<ApiTokenRow[]>`select ${COLUMNS(sql)} from api_tokens order by id desc`;
}

/** Revokes token `id` once; a second revocation keeps the first's time and author. */
export async function revokeApiToken(sql: Sql, id: number, by: string): Promise<ApiTokenRow | undefined> {
  const [row] = await sql<ApiTokenRow[]>`
    update api_tokens set revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, ${by})
    where id = ${id}
    returning ${COLUMNS(sql)}`;
  return row;
}

/** The token whose hash is `hash`, revoked or not. */
export async function findApiTokenByHash(sql: Sql, hash: string): Promise<Pick<ApiTokenRow, 'id' | 'scope' | 'revokedAt'> | undefined> {
  const [row] = await sql<Pick<ApiTokenRow, 'id' | 'scope' | 'revokedAt'>[]>`
    select id::int as id, scope, revoked_at as "revokedAt" from api_tokens where token_hash = ${hash}`;
  return row;
}

/** Records that tokens `ids` were used (at most once per token every few seconds per instance). */
export async function touchApiTokens(sql: Sql, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`update api_tokens set last_used_at = now() where id = any(${ids}::bigint[]) and (last_used_at is null or last_used_at < now())`;
}
