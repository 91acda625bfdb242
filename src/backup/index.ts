/**
 * `npm run backup` and `npm run restore FILE`: one tar file holding a consistent copy of the
 * database (embedded or DATABASE_URL) and the stored files of DATA_DIR/files.
 *
 * The database part is a pg_dump (custom format) when the machine has a pg_dump at least as new
 * as the server; otherwise, for embedded Postgres, a low-level base backup of its cluster
 * (cluster-copy.ts). Files are copied after the database: they are content-addressed and never
 * deleted, so every file the copy's messages refer to is there.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { Config } from '../config.ts';
import { embeddedClusterPlace, startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded.ts';
import { copyRunningCluster } from './cluster-copy.ts';
import { findPgTools, runTool } from './pg-tools.ts';

const exec = promisify(execFile);
const FORMAT = 'switchboard-backup';

interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  /** `pg_dump`: database.pgdump; `cluster`: the embedded cluster's files and its password. */
  database: 'pg_dump' | 'cluster';
  serverVersion: string;
  migrations: number[];
  files: number;
}

type Say = (line: string) => void;

async function serverVersionOf(sql: postgres.Sql): Promise<string> {
  const [row] = await sql<{ serverVersion: string }[]>`select current_setting('server_version') as "serverVersion"`;
  return row!.serverVersion;
}

/** The URL without its password, and the password for PGPASSWORD: never on a command line (ps shows those). */
function connection(url: string): { dbname: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** The database to work on: DATABASE_URL's, or the embedded one (started if it is not running). */
async function openTarget(config: Config, say: Say): Promise<{ url: string; embedded: EmbeddedPostgres | undefined; done(): Promise<void> }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: undefined, done: async () => {} };
  const embedded = await startEmbeddedPostgres(config.dataDir, say);
  // A running Switchboard's database is left running; one we started is stopped.
  return { url: embedded.url, embedded, done: async () => (embedded.adopted ? undefined : embedded.stop()) };
}

async function countFiles(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.endsWith('.tmp')).length;
}

/** Writes a backup to `file` (made atomically: a half-written backup never has the name). */
export async function backup(config: Config, file: string, say: Say): Promise<Manifest> {
  const work = await mkdtemp(path.join(tmpdir(), 'switchboard-backup-'));
  const target = await openTarget(config, say);
  try {
    const sql = postgres(target.url, { max: 1, onnotice: () => {} });
    let serverVersion: string;
    let migrations: number[];
    try {
      serverVersion = await serverVersionOf(sql);
      migrations = (await sql<{ version: number }[]>`select version from schema_migrations order by version`.catch(() => [])).map((r) => Number(r.version));
    } finally {
      await sql.end();
    }
    const tools = await findPgTools(Number.parseInt(serverVersion, 10));
    let kind: Manifest['database'];
    if (tools) {
      say(`dumping the database with ${tools.pgDump} (PostgreSQL ${tools.major}, server ${serverVersion})`);
      // One transaction, one snapshot: pg_dump's copy is consistent while the desk keeps working.
      const { dbname, env } = connection(target.url);
      await runTool(tools.pgDump, ['--format=custom', '--no-owner', '--no-privileges', `--file=${path.join(work, 'database.pgdump')}`, `--dbname=${dbname}`], env);
      kind = 'pg_dump';
    } else if (target.embedded) {
      say(`no pg_dump for PostgreSQL ${serverVersion} on this machine: copying the embedded cluster (a base backup)`);
      await copyRunningCluster(target.url, target.embedded.clusterDir, path.join(work, 'cluster'));
      await cp(path.join(config.dataDir, 'postgres-password'), path.join(work, 'postgres-password'));
      kind = 'cluster';
    } else {
      throw new Error(`no pg_dump for PostgreSQL ${serverVersion} on this machine: install its client (apt install postgresql-client-${Number.parseInt(serverVersion, 10)})`);
    }
    // The generated API token keys file and survey links: a restored desk keeps its links working.
    if (existsSync(path.join(config.dataDir, 'api-token'))) await cp(path.join(config.dataDir, 'api-token'), path.join(work, 'api-token'));
    const filesDir = path.join(config.dataDir, 'files');
    if (existsSync(filesDir)) await cp(filesDir, path.join(work, 'files'), { recursive: true, filter: (source) => !source.endsWith('.tmp') });
    const manifest: Manifest = { format: FORMAT, version: 1, createdAt: new Date().toISOString(), database: kind, serverVersion, migrations, files: await countFiles(path.join(work, 'files')) };
    await writeFile(path.join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const partial = `${file}.partial`;
    await exec('tar', ['-cf', path.resolve(partial), '-C', work, '.']);
    await chmod(partial, 0o600); // it holds every customer's messages
    await rename(partial, file);
    return manifest;
  } finally {
    await target.done();
    await rm(work, { recursive: true, force: true });
  }
}

/** Thrown when the target is not empty: nothing was changed. */
export class NotEmptyError extends Error {
  override readonly name = 'NotEmptyError';
}

/** Loads backup `file` into an empty database (and DATA_DIR/files); refuses a non-empty one. */
export async function restore(config: Config, file: string, say: Say): Promise<Manifest> {
  const work = await mkdtemp(path.join(tmpdir(), 'switchboard-restore-'));
  try {
    await exec('tar', ['-xf', path.resolve(file), '-C', work]);
    const manifest = JSON.parse(await readFile(path.join(work, 'manifest.json'), 'utf8').catch(() => '{}')) as Manifest;
    if (manifest.format !== FORMAT) throw new Error(`${file} is not a Switchboard backup (no manifest.json)`);
    if (manifest.database === 'cluster') await restoreCluster(config, work, say);
    else await restoreDump(config, work, manifest, say);
    const token = path.join(config.dataDir, 'api-token');
    if (existsSync(path.join(work, 'api-token')) && !existsSync(token)) {
      await mkdir(config.dataDir, { recursive: true });
      await cp(path.join(work, 'api-token'), token);
      await chmod(token, 0o600);
    }
    const filesDir = path.join(config.dataDir, 'files');
    if (existsSync(path.join(work, 'files'))) {
      await mkdir(filesDir, { recursive: true });
      // Content-addressed: a file already there is the same bytes.
      await cp(path.join(work, 'files'), filesDir, { recursive: true, force: false });
    }
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function restoreDump(config: Config, work: string, manifest: Manifest, say: Say): Promise<void> {
  const target = await openTarget(config, say);
  try {
    const sql = postgres(target.url, { max: 1, onnotice: () => {} });
    let serverVersion: string;
    try {
      const tables = await sql<{ name: string }[]>`
        select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' order by 1 limit 5`;
      if (tables.length > 0) {
        throw new NotEmptyError(`the database is not empty (it has tables: ${tables.map((t) => t.name).join(', ')}${tables.length === 5 ? ', …' : ''}): restore loads into an empty database only. Create a new one (createdb) and point DATABASE_URL at it${config.databaseUrl ? '' : ', or use a fresh DATA_DIR'}.`);
      }
      serverVersion = await serverVersionOf(sql);
    } finally {
      await sql.end();
    }
    const needed = Math.max(Number.parseInt(serverVersion, 10), Number.parseInt(manifest.serverVersion, 10));
    const tools = await findPgTools(needed);
    if (!tools) throw new Error(`no pg_restore for PostgreSQL ${needed} on this machine: install its client (apt install postgresql-client-${needed})`);
    say(`loading the database with ${tools.pgRestore} (PostgreSQL ${tools.major})`);
    // One transaction: a failure leaves the database as empty as it was.
    const { dbname, env } = connection(target.url);
    await runTool(tools.pgRestore, ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${dbname}`, path.join(work, 'database.pgdump')], env);
  } finally {
    await target.done();
  }
}

async function restoreCluster(config: Config, work: string, say: Say): Promise<void> {
  if (config.databaseUrl) throw new Error('this backup is a copy of an embedded cluster: restore it with DATABASE_URL unset (into a fresh DATA_DIR), then move to another server with npm run backup on a machine with a matching pg_dump');
  const { clusterDir, owner } = await embeddedClusterPlace(config.dataDir, say);
  if (existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    throw new NotEmptyError(`DATA_DIR ${config.dataDir} already holds a database (${clusterDir}): restore loads into an empty one only. Use a fresh DATA_DIR.`);
  }
  say(`placing the embedded cluster in ${clusterDir}`);
  await mkdir(clusterDir, { recursive: true });
  await cp(path.join(work, 'cluster'), clusterDir, { recursive: true, verbatimSymlinks: true });
  await cp(path.join(work, 'postgres-password'), path.join(config.dataDir, 'postgres-password'));
  await chmod(path.join(config.dataDir, 'postgres-password'), 0o600);
  if (owner) await chownTree(clusterDir, owner);
  await chmod(clusterDir, 0o700);
  // Started once here: the server replays the copied WAL from the backup label to a consistent point.
  const embedded = await startEmbeddedPostgres(config.dataDir, say);
  await embedded.stop();
}

async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await chown(dir, owner.uid, owner.gid);
  for (const entry of await readdir(dir, { recursive: true })) {
    const file = path.join(dir, entry);
    if (!(await lstat(file)).isSymbolicLink()) await chown(file, owner.uid, owner.gid);
  }
}
