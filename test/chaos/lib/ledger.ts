/**
 * Counting against the database and what the platforms received: of the messages the app
 * acknowledged, how many it has not stored (lost) and how many it stored more than once; of
 * the replies it queued, how many never reached the customer and how many reached them twice.
 */
import postgres from 'postgres';
import { setTimeout as sleep } from 'node:timers/promises';

export type Sql = ReturnType<typeof postgres>;

export function connectLedger(url: string): Sql {
  return postgres(url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
}

/** Of `externalIds` (acknowledged on `channel`), how many are not stored and how many extra rows exist. */
export async function inboundTally(sql: Sql, channel: string, externalIds: string[]): Promise<{ lost: number; duplicated: number; lostIds: string[] }> {
  if (externalIds.length === 0) return { lost: 0, duplicated: 0, lostIds: [] };
  const rows = await sql<{ externalId: string; n: number }[]>`
    select external_id as "externalId", count(*)::int as n from messages
    where direction = 'inbound' and channel = ${channel} and external_id = any(${externalIds}::text[]) group by external_id`;
  const stored = new Map(rows.map((r) => [r.externalId, r.n]));
  const lostIds = externalIds.filter((id) => !stored.has(id));
  const duplicated = rows.reduce((sum, r) => sum + Math.max(0, r.n - 1), 0);
  return { lost: lostIds.length, duplicated, lostIds };
}

/** Outbound replies on `channel`: all of them, and those still waiting to go out. */
export async function outboundOf(sql: Sql, channel: string): Promise<{ id: string; to: string; delivery: string; sent: boolean }[]> {
  return sql<{ id: string; to: string; delivery: string; sent: boolean }[]>`
    select m.id::text as id, i.address as to, m.delivery, (m.external_id is not null) as sent
    from messages m join tickets t on t.id = m.ticket_id join identities i on i.id = t.identity_id
    where m.direction = 'outbound' and m.channel = ${channel}`;
}

/**
 * Waits until every reply on these channels has been handed to its platform (or `timeoutMs`
 * passes); returns how long it took. A reply Twilio took stays `queued` with its id until a
 * status callback says more, and a callback sent while the app was down is not sent again:
 * that is the platform's queue, not ours.
 */
export async function drainReplies(sql: Sql, channels: string[], timeoutMs: number): Promise<{ ms: number; queued: number }> {
  const started = Date.now();
  for (;;) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from messages where direction = 'outbound' and channel = any(${channels}::text[]) and delivery = 'queued' and external_id is null`.catch(() => [{ n: -1 }]);
    const queued = row!.n;
    if (queued === 0 || Date.now() - started > timeoutMs) return { ms: Date.now() - started, queued };
    await sleep(500);
  }
}

/**
 * Replies queued vs received: `received` lists, per reply the platform accepted, its key (the
 * reply's id where the platform carries it, else the recipient). Lost: queued replies never
 * received; duplicated: receptions beyond one per key.
 */
export function replyTally(queuedKeys: string[], received: string[]): { queued: number; lost: number; duplicated: number } {
  const seen = new Map<string, number>();
  for (const key of received) seen.set(key, (seen.get(key) ?? 0) + 1);
  const expected = new Map<string, number>();
  for (const key of queuedKeys) expected.set(key, (expected.get(key) ?? 0) + 1);
  let lost = 0;
  let duplicated = 0;
  for (const [key, n] of expected) {
    const got = seen.get(key) ?? 0;
    lost += Math.max(0, n - got);
    duplicated += Math.max(0, got - n);
  }
  for (const [key, got] of seen) if (!expected.has(key)) duplicated += got;
  return { queued: queuedKeys.length, lost, duplicated };
}
