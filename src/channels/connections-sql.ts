import type { Db } from '../db/index.ts';

/** The connection-holder and notice tables (migrations/005): SQL by name, nothing else. */

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'login-required' | 'session-lost' | 'token-refused' | 'stopped';
export type NoticeKind = 'login-required' | 'session-lost' | 'token-refused' | 'reconnecting';

export interface ConnectionRow {
  module: string;
  holder: string | null;
  epoch: string;
  heldSince: Date | null;
  state: ConnectionState;
  detail: string | null;
  stateSince: Date;
}

export interface NoticeRow {
  id: string;
  module: string;
  kind: NoticeKind;
  detail: string;
  qrText: string | null;
  qrPng: Uint8Array | null;
  openedAt: Date;
  closedAt: Date | null;
  slackChannel: string | null;
  slackTs: string | null;
  recoveryPostedAt: Date | null;
  /** When the QR code last changed while the notice was open. */
  qrRefreshedAt: Date | null;
  /** What the connection said when it came back (`linked as +15550009999`). */
  resolution: string | null;
}

/** Records `holder` as the module's holder from now on, under a new epoch; returns the epoch. */
export async function takeHold(db: Db, module: string, holder: string): Promise<number> {
  const [row] = await db<{ epoch: string }[]>`
    insert into channel_connections (module, holder, epoch, held_since, state, state_since)
    values (${module}, ${holder}, 1, now(), 'connecting', now())
    on conflict (module) do update set holder = excluded.holder, epoch = channel_connections.epoch + 1,
      held_since = now(), state = 'connecting', detail = null, state_since = now(), updated_at = now()
    returning epoch`;
  return Number(row!.epoch);
}

/** Gives the hold up (a clean stop), unless someone took over since. */
export async function releaseHold(db: Db, module: string, epoch: number): Promise<void> {
  await db`
    update channel_connections set holder = null, held_since = null, state = 'stopped', detail = null, state_since = now(), updated_at = now()
    where module = ${module} and epoch = ${epoch}`;
}

/** Records the connection's state as its holder reported it; false when the hold has moved on. */
export async function recordState(db: Db, module: string, epoch: number, state: ConnectionState, detail: string | null): Promise<boolean> {
  const rows = await db`
    update channel_connections set state = ${state}, detail = ${detail}, updated_at = now(),
      state_since = case when state = ${state} then state_since else now() end
    where module = ${module} and epoch = ${epoch} returning 1`;
  return rows.length === 1;
}

export async function listConnections(db: Db): Promise<ConnectionRow[]> {
  return db<ConnectionRow[]>`select module, holder, epoch, held_since, state, detail, state_since from channel_connections order by module`;
}

/** Opens a notice unless one of that kind is open for the module; returns it only when new. */
export async function openNotice(
  db: Db,
  notice: { module: string; kind: NoticeKind; detail: string; qrText?: string; qrPng?: Uint8Array },
): Promise<NoticeRow | undefined> {
  const [row] = await db<NoticeRow[]>`
    insert into operator_notices (module, kind, detail, qr_text, qr_png)
    values (${notice.module}, ${notice.kind}, ${notice.detail}, ${notice.qrText ?? null}, ${notice.qrPng ? Buffer.from(notice.qrPng) : null})
    on conflict (module, kind) where closed_at is null do nothing
    returning *`;
  return row;
}

/**
 * The open login notice takes a new QR code (the platform rotated it); returns it only when the
 * code changed.
 */
export async function refreshQr(db: Db, module: string, qr: { qrText: string; qrPng?: Uint8Array }): Promise<NoticeRow | undefined> {
  const [row] = await db<NoticeRow[]>`
    update operator_notices set qr_text = ${qr.qrText}, qr_png = ${qr.qrPng ? Buffer.from(qr.qrPng) : null}, qr_refreshed_at = now()
    where module = ${module} and kind = 'login-required' and closed_at is null and qr_text is distinct from ${qr.qrText}
    returning *`;
  return row;
}

/** Closes the module's open notices (the connection is back, as `resolution` says); returns those it closed. */
export async function closeNotices(db: Db, module: string, resolution: string | null = null): Promise<NoticeRow[]> {
  return db<NoticeRow[]>`update operator_notices set closed_at = now(), resolution = ${resolution} where module = ${module} and closed_at is null returning *`;
}

export async function findNotice(db: Db, id: string): Promise<NoticeRow | undefined> {
  const [row] = await db<NoticeRow[]>`select * from operator_notices where id = ${id}`;
  return row;
}

export async function recordNoticePosted(db: Db, id: string, channel: string, ts: string): Promise<void> {
  await db`update operator_notices set slack_channel = ${channel}, slack_ts = ${ts} where id = ${id}`;
}

export async function recordRecoveryPosted(db: Db, id: string): Promise<void> {
  await db`update operator_notices set recovery_posted_at = now() where id = ${id}`;
}

/** The module's state value under `key`. */
export async function readState(db: Db, module: string, key: string): Promise<unknown> {
  const [row] = await db<{ value: unknown }[]>`select value from channel_state where module = ${module} and key = ${key}`;
  return row?.value;
}

/**
 * Writes the module's state under `key`. With `fence`, only while that holder still holds the
 * module under that epoch: false means it no longer does and nothing was written.
 */
export async function writeState(db: Db, module: string, key: string, value: unknown, fence?: { holder: string; epoch: number }): Promise<boolean> {
  const json = db.json(value as never);
  const rows = fence
    ? await db`
        insert into channel_state (module, key, value)
        select ${module}, ${key}, ${json}
        where exists (select 1 from channel_connections where module = ${module} and holder = ${fence.holder} and epoch = ${fence.epoch})
        on conflict (module, key) do update set value = excluded.value, updated_at = now()
        returning 1`
    : await db`
        insert into channel_state (module, key, value) values (${module}, ${key}, ${json})
        on conflict (module, key) do update set value = excluded.value, updated_at = now()
        returning 1`;
  return rows.length === 1;
}

export async function deleteState(db: Db, module: string, key: string): Promise<void> {
  await db`delete from channel_state where module = ${module} and key = ${key}`;
}
