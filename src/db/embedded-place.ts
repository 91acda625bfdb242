import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where embedded Postgres lives when Switchboard runs as root. Postgres refuses root, so it
 * runs as the `postgres` user, which cannot enter a checkout in a private home (`/root` is
 * 0700, and so is `mktemp -d`). Rather than ask for a manual step, what that user must reach
 * is placed where it can: the server binaries copied once per version under
 * SYSTEM_DIR/pgsql-<version>, and the cluster under SYSTEM_DIR/<hash of DATA_DIR>/cluster,
 * with DATA_DIR/postgres a symlink to it, so DATA_DIR stays the one place that says where
 * the data is. Both only when needed: a DATA_DIR and checkout the user can reach are used as
 * they are.
 */
export const SYSTEM_DIR = '/var/lib/switchboard';

export interface Owner {
  uid: number;
  gid: number;
}

export interface Binaries {
  postgres: string;
  initdb: string;
}

export interface Placement {
  bin: Binaries;
  /** The cluster's real directory (PGDATA). */
  clusterDir: string;
  /** A directory the postgres user can reach: its working directory, and initdb's password file. */
  workDir: string;
}

/** The first directory above `target` that `owner` cannot pass through, if any. */
export async function blockingDirectory(target: string, owner: Owner): Promise<string | undefined> {
  let dir = path.resolve(target);
  while (dir !== path.dirname(dir)) {
    dir = path.dirname(dir);
    const info = await stat(dir).catch(() => undefined);
    if (!info) continue;
    // Directories on the way need x for the user: as owner, as group, or as anyone else.
    const traversable = info.uid === owner.uid ? info.mode & 0o100 : info.gid === owner.gid ? info.mode & 0o010 : info.mode & 0o001;
    if (!traversable) return dir;
  }
  return undefined;
}

/** Makes `dir` (and SYSTEM_DIR) root's, passable but not listable by others (0711). */
async function passableDir(dir: string): Promise<void> {
  for (const each of [SYSTEM_DIR, dir]) {
    await mkdir(each, { recursive: true, mode: 0o711 });
    await chmod(each, 0o711);
  }
}

/** The package's server binaries copied where `owner` can run them, once per version. */
async function reachableBinaries(bin: Binaries): Promise<Binaries> {
  const native = path.dirname(path.dirname(bin.postgres)); // …/native: bin, lib, share
  const { version } = JSON.parse(await readFile(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const target = path.join(SYSTEM_DIR, `pgsql-${version.replace(/[^\w.-]/g, '_')}`);
  const marker = path.join(target, '.complete');
  if (!existsSync(marker)) {
    await passableDir(SYSTEM_DIR);
    // Copied aside then renamed: another instance starting at the same moment either finds the
    // finished copy or loses the rename and uses the winner's.
    const temporary = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await cp(native, temporary, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await chmod(temporary, 0o755);
    await writeFile(path.join(temporary, '.complete'), `${native}\n`);
    await rename(temporary, target).catch(async (error: NodeJS.ErrnoException) => {
      await rm(temporary, { recursive: true, force: true });
      if (!existsSync(marker)) throw error;
    });
  }
  const relative = (file: string) => path.join(target, path.relative(native, file));
  return { postgres: relative(bin.postgres), initdb: relative(bin.initdb) };
}

/**
 * Where the cluster and the binaries are for `owner` (running as root), placed outside private
 * directories when they have to be; `log` says what was placed where.
 */
export async function placeForPostgresUser(bin: Binaries, dataDir: string, owner: Owner, log: (message: string) => void): Promise<Placement> {
  const binaries = (await blockingDirectory(bin.postgres, owner)) ? await reachableBinaries(bin) : bin;
  if (binaries !== bin) log(`embedded Postgres runs as "postgres", which cannot reach this checkout: using its binaries copied to ${path.dirname(path.dirname(binaries.postgres))}`);
  const link = path.join(dataDir, 'postgres');
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    const clusterDir = path.resolve(dataDir, await readlink(link));
    return { bin: binaries, clusterDir, workDir: path.dirname(clusterDir) };
  }
  if (existing || !(await blockingDirectory(link, owner))) return { bin: binaries, clusterDir: link, workDir: dataDir };

  const home = path.join(SYSTEM_DIR, createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16));
  await passableDir(home);
  const clusterDir = path.join(home, 'cluster');
  if (existsSync(clusterDir)) {
    // DATA_DIR lost its link (deleted to start afresh): the old cluster is not its data any
    // more, and its password went with DATA_DIR. Kept aside, not deleted.
    const aside = `${clusterDir}.orphaned-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(clusterDir, aside);
    log(`an earlier embedded cluster of this DATA_DIR had no link from it any more: moved aside to ${aside}`);
  }
  await writeFile(path.join(home, 'DATA_DIR'), `${path.resolve(dataDir)}\n`);
  await symlink(clusterDir, link);
  log(`embedded Postgres runs as "postgres", which cannot enter ${dataDir}: its cluster is in ${clusterDir} (${link} links to it)`);
  return { bin: binaries, clusterDir, workDir: home };
}
