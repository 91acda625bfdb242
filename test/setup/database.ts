import { PgBoss } from 'pg-boss';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.ts';
import { startPostgresServer, withDatabase } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test server (any database name is replaced). */
    databaseServerUrl: string;
    /** A migrated database, pg-boss installed, that each test file clones. */
    templateDatabase: string;
    /** Prefix of every database this run creates, so teardown drops them all. */
    databasePrefix: string;
  }
}

/**
 * Once per run: the machine's Postgres (DATABASE_URL) or an embedded one, and a template
 * database with our migrations and pg-boss's schema. Each test file clones it in a few
 * milliseconds instead of migrating.
 */
export default async function setup(project: TestProject) {
  const server = await startPostgresServer('test');
  const serverUrl = server.url;
  const prefix = `sb_test_${process.pid}_`;
  const template = `${prefix}template`;
  const admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  await dropDatabases(admin, prefix);
  await admin.unsafe(`create database ${template}`);

  const templateUrl = withDatabase(serverUrl, template);
  const sql = postgres(templateUrl, { max: 1, onnotice: () => {} });
  await migrate(sql);
  await sql.end();
  const boss = new PgBoss({ connectionString: templateUrl, supervise: false, schedule: false, max: 1 });
  await boss.start();
  await boss.stop({ graceful: false, close: true });

  project.provide('databaseServerUrl', serverUrl);
  project.provide('templateDatabase', template);
  project.provide('databasePrefix', prefix);

  return async () => {
    await dropDatabases(admin, prefix);
    await admin.end();
    await server.stop();
  };
}


async function dropDatabases(admin: postgres.Sql, prefix: string): Promise<void> {
  const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`${prefix}%`}`;
  for (const { datname } of rows) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
}
