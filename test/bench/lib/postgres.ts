/**
 * The benchmark's Postgres: the machine's (DATABASE_URL) or an embedded one in a temporary
 * directory, and a fresh migrated database per benchmark.
 */
import postgres from 'postgres';
import { migrate } from '../../../src/db/migrate.ts';
import { startPostgresServer, withDatabase } from '../../setup/server.ts';

export interface BenchPostgres {
  /** A superuser URL of the server (database part replaced per use). */
  serverUrl: string;
  embedded: boolean;
  /** Creates an empty database with our migrations applied; pg-boss installs itself at start. */
  createDatabase(name: string): Promise<BenchDatabase>;
  stop(): Promise<void>;
}

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}


export async function startBenchPostgres(): Promise<BenchPostgres> {
  const server = await startPostgresServer('bench');
  const serverUrl = server.url;
  const admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  const prefix = `sb_bench_${process.pid}_`;
  const made = new Set<string>();
  return {
    serverUrl,
    embedded: server.embedded,
    async createDatabase(label) {
      const name = `${prefix}${label}`;
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.unsafe(`create database ${name}`);
      made.add(name);
      const url = withDatabase(serverUrl, name);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      await migrate(sql);
      await sql.end();
      return {
        url,
        name,
        async drop() {
          await admin.unsafe(`drop database if exists ${name} with (force)`);
          made.delete(name);
        },
      };
    },
    async stop() {
      for (const name of made) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await server.stop();
    },
  };
}
