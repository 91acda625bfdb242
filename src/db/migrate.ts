import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './types.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// One key for every instance: a second instance starting at the same moment waits here and
// then finds the migrations applied.
const MIGRATION_LOCK = 'switchboard:migrations';

interface Migration {
  version: number;
  name: string;
  file: string;
}

async function listMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
  const migrations = files.map((file) => {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
    return { version: Number(match[1]), name: match[2]!, file: path.join(dir, file) };
  });
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) throw new Error(`two migrations are numbered ${migrations[i]!.version}`);
  }
  return migrations;
}

/**
 * Applies the numbered SQL files in migrations/ that are not yet recorded, in order, in one
 * transaction under an advisory lock. Returns the versions it applied.
 */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = await listMigrations(dir);
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${MIGRATION_LOCK}, 0))`;
    await tx`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`;
    const rows = await tx<{ version: number }[]>`select version from schema_migrations`;
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.unsafe(await readFile(migration.file, 'utf8'));
      await tx`insert into schema_migrations (version, name) values (${migration.version}, ${migration.name})`;
      done.push(migration.version);
    }
    return done;
  });
}

/** True when every migration in migrations/ is recorded as applied (for /readyz). */
export async function migrationsApplied(sql: Sql, dir = MIGRATIONS_DIR): Promise<boolean> {
  const migrations = await listMigrations(dir);
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from schema_migrations where version = any(${migrations.map((m) => m.version)}::int[])`;
  return row!.count === migrations.length;
}
