import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A pg_dump and the pg_restore beside it, of one major version. */
export interface PgTools {
  major: number;
  pgDump: string;
  pgRestore: string;
}

// Debian and Ubuntu keep every installed major version's client under /usr/lib/postgresql/N/bin
// (postgresql-client-N); `pg_dump` on the PATH is a wrapper choosing one of them.
const VERSIONED_DIR = '/usr/lib/postgresql';

async function majorOf(program: string): Promise<number | undefined> {
  try {
    const { stdout } = await exec(program, ['--version']);
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The newest pg_dump on this machine that can dump a server of major version `serverMajor`
 * (pg_dump refuses a server newer than itself), or undefined when there is none.
 */
export async function findPgTools(serverMajor: number): Promise<PgTools | undefined> {
  const candidates: PgTools[] = [];
  const versions = await readdir(VERSIONED_DIR).catch(() => [] as string[]);
  for (const version of versions) {
    const bin = `${VERSIONED_DIR}/${version}/bin`;
    const major = await majorOf(`${bin}/pg_dump`);
    if (major !== undefined) candidates.push({ major, pgDump: `${bin}/pg_dump`, pgRestore: `${bin}/pg_restore` });
  }
  const onPath = await majorOf('pg_dump');
  if (onPath !== undefined) candidates.push({ major: onPath, pgDump: 'pg_dump', pgRestore: 'pg_restore' });
  return candidates.filter((c) => c.major >= serverMajor).sort((a, b) => b.major - a.major)[0];
}

/** Runs a program, failing with its last lines of stderr. */
export async function runTool(program: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  try {
    await exec(program, args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new Error(`${program.split('/').pop()} failed: ${stderr || (error as Error).message}`);
  }
}
