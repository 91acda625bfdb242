import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.ts';

/** A Postgres server for tests and benchmarks: the machine's (DATABASE_URL) or an embedded one. */
export interface PostgresServer {
  /** A superuser URL of the server (replace the database part per use with `withDatabase`). */
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL's server when set, else an embedded one in a temporary directory named after `label`. */
export async function startPostgresServer(label: string): Promise<PostgresServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { url, embedded: false, stop: async () => {} };
  const dataDir = await mkdtemp(path.join(tmpdir(), `switchboard-${label}-pg-`));
  await chmod(dataDir, 0o755); // postgres may run as its own user, which must enter it
  let embedded: EmbeddedPostgres;
  try {
    embedded = await startEmbeddedPostgres(dataDir, () => {});
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: embedded.url,
    embedded: true,
    async stop() {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
