import postgres from 'postgres';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';
import type { Sql } from './types.ts';

export type { Db, Sql, Tx } from './types.ts';
export { migrate, migrationsApplied } from './migrate.ts';

export interface Database {
  sql: Sql;
  /** The connection string, for pg-boss's own pool. */
  url: string;
  /** True when the database is the embedded one under DATA_DIR. */
  embedded: boolean;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Connections in our pool (pg-boss keeps its own). */
  poolSize?: number;
  log(message: string): void;
}

/** Creates the postgres.js pool we use for all our SQL. */
export function connect(url: string, poolSize = 10): Sql {
  return postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connection: { application_name: 'switchboard' },
    // Column names arrive camelCased (ticket.assignee, message.slackTs); JSON values are left
    // exactly as stored, since they hold customers' and admins' own keys.
    transform: { column: { from: postgres.toCamel } },
  });
}

/**
 * One long-lived session for session-level advisory locks (a connection holder's). Never
 * recycled (postgres.js would end a pooled connection after 30–60 minutes, and the lock with
 * it); if the session dies anyway, the next query runs on a new one, which its
 * `pg_backend_pid()` tells apart.
 */
export function connectLockSession(url: string): Sql {
  return postgres(url, { max: 1, max_lifetime: 0, idle_timeout: 0, onnotice: () => {}, connection: { application_name: 'switchboard-lock' } });
}

/**
 * Opens the database (DATABASE_URL, or embedded Postgres under DATA_DIR when unset) and
 * applies pending migrations.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = options.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(options.dataDir, options.log);
    url = embedded.url;
  }
  const sql = connect(url, options.poolSize);
  try {
    const applied = await migrate(sql);
    if (applied.length > 0) options.log(`applied migrations ${applied.join(', ')}`);
  } catch (error) {
    await sql.end({ timeout: 1 });
    await embedded?.stop();
    throw error;
  }
  return {
    sql,
    url,
    embedded: embedded !== undefined,
    async close() {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
