import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { connect, type Sql } from '../../src/db/index.ts';
import { withDatabase } from '../setup/server.ts';

export interface TestDatabase {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** A fresh database cloned from the run's migrated template: real Postgres, isolated per test. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const server = inject('databaseServerUrl');
  const name = `${inject('databasePrefix')}${randomBytes(5).toString('hex')}`;
  const admin = postgres(withDatabase(server, 'postgres'), { max: 1, onnotice: () => {} });
  // Cloning needs the template to have no other sessions; retry briefly if another file's
  // clone is still holding it.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`create database ${name} template ${inject('templateDatabase')}`);
      break;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const url = withDatabase(server, name);
  const sql = connect(url, 4);
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 1 });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
