import { cp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';

// What a running cluster holds that a copy must not: the lock and options of the live server,
// and the live WAL, copied after the backup ends. https://www.postgresql.org/docs/current/continuous-archiving.html#BACKUP-LOWLEVEL-BASE-BACKUP-DATA
const SKIP = new Set(['postmaster.pid', 'postmaster.opts', 'pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans']);
const EMPTY_DIRS = ['pg_wal', 'pg_replslot', 'pg_stat_tmp', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans'];

/**
 * A consistent copy of a running cluster without pg_dump (embedded Postgres ships none, and
 * the machine's may be older than it): PostgreSQL's low-level base backup. Between
 * pg_backup_start and pg_backup_stop on one session the files are copied; then the WAL written
 * meanwhile and the backup label that tells the server, when it starts on the copy, to replay
 * that WAL to a consistent point. Same major version only, which the embedded binaries are.
 */
export async function copyRunningCluster(url: string, clusterDir: string, target: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_backup_start('switchboard backup', true)`;
    const entries = await readdir(clusterDir);
    await Promise.all(entries.filter((e) => !SKIP.has(e)).map((e) => cp(path.join(clusterDir, e), path.join(target, e), { recursive: true, verbatimSymlinks: true })));
    const [stop] = await sql<{ labelfile: string; spcmapfile: string }[]>`select labelfile, spcmapfile from pg_backup_stop(false)`;
    await writeFile(path.join(target, 'backup_label'), stop!.labelfile);
    if (stop!.spcmapfile) await writeFile(path.join(target, 'tablespace_map'), stop!.spcmapfile);
    for (const dir of EMPTY_DIRS) await cp(path.join(clusterDir, dir), path.join(target, dir), { recursive: true, filter: (source) => dir === 'pg_wal' || source === path.join(clusterDir, dir) });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
