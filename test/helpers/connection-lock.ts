import type { TestDatabase } from './database.ts';

/**
 * The backend pids holding a channel module's connection lock (the runner's advisory lock on
 * `switchboard:channel:<module>`): terminating one is the holder's database session dying.
 */
export async function connectionLockPids(sql: TestDatabase['sql'], module: string): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_locks where locktype = 'advisory' and granted and objsubid = 1
      and database = (select oid from pg_database where datname = current_database())
      and ((classid::bigint << 32) | objid::bigint) = hashtextextended(${`switchboard:channel:${module}`}, 0)`;
  return rows.map((row) => row.pid);
}

/** The module's connection row: which instance holds it, under which epoch, in what state. */
export async function connectionHolder(sql: TestDatabase['sql'], module: string) {
  return (await sql<{ holder: string | null; epoch: string; state: string }[]>`select holder, epoch, state from channel_connections where module = ${module}`)[0];
}

/** Resolves with the new holder once an instance holds the connection under a later epoch than `epoch`, connected. */
export async function takenOver(sql: TestDatabase['sql'], module: string, epoch: string, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const now = await connectionHolder(sql, module);
    if (now?.holder && Number(now.epoch) > Number(epoch) && now.state === 'connected') return now.holder;
    if (Date.now() > until) throw new Error(`${module}: not taken over within ${timeoutMs} ms (${JSON.stringify(now)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
