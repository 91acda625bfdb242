import type { Sql, Tx } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { ChannelStateFencedError, type ChannelStateStore, type ConnectionCondition } from './contract.ts';
import {
  closeNotices,
  deleteState,
  openNotice,
  readState,
  recordState,
  refreshQr,
  writeState,
  type NoticeKind,
  type NoticeRow,
} from './connections-sql.ts';

/** Called inside the transaction that opened or closed a notice (Slack enqueues its post). */
/** `refreshed`: an open login notice has a new QR code. */
export type NoticeObserver = (tx: Tx, notice: NoticeRow, change: NoticeChange) => Promise<void>;
export type NoticeChange = 'opened' | 'refreshed' | 'closed';

// Reconnecting briefly is routine (a gateway resume, a network blip); a connection still not
// back after this long is worth an operator's attention.
export const RECONNECTING_NOTICE_AFTER_MS = 60_000;

const NOTICE_KINDS: ReadonlySet<string> = new Set<NoticeKind>(['login-required', 'session-lost', 'token-refused']);

/**
 * One module's side of the core: its state store and its condition reports. The runner tells
 * it when this instance holds the module's connection (`held`) and when it stops (`released`);
 * state writes and reports made outside a hold are refused, so a stale holder changes nothing.
 */
export interface ModuleSession {
  readonly module: string;
  readonly state: ChannelStateStore;
  report(condition: ConnectionCondition): void;
  held(epoch: number): void;
  released(): void;
  /** Settles when every report made so far is recorded. */
  settled(): Promise<void>;
}

export interface SessionDeps {
  sql: Sql;
  logger: Logger;
  /** This instance, as `/ticket channels` names the holder. */
  instance: string;
  observers: readonly NoticeObserver[];
  /** Whether writes need a hold: true for connection holders, false for webhook modules. */
  fenced: boolean;
  reconnectingNoticeAfterMs?: number;
}

/** Creates a module's session (state store, condition reports, notices). */
export function createModuleSession(module: string, deps: SessionDeps): ModuleSession {
  const log = deps.logger.child({ channelModule: module });
  let epoch: number | undefined;
  let chain: Promise<void> = Promise.resolve();
  let reconnectTimer: NodeJS.Timeout | undefined;
  const after = deps.reconnectingNoticeAfterMs ?? RECONNECTING_NOTICE_AFTER_MS;

  const fence = () => {
    if (!deps.fenced) return undefined;
    if (epoch === undefined) throw new ChannelStateFencedError(`${module}: this instance does not hold the connection`);
    return { holder: deps.instance, epoch };
  };

  const state: ChannelStateStore = {
    async get<T>(key: string) {
      return (await readState(deps.sql, module, key)) as T | undefined;
    },
    async set(key, value, options) {
      const written = await writeState(deps.sql, module, key, value, options?.anyInstance ? undefined : fence());
      if (!written) throw new ChannelStateFencedError(`${module}: another instance holds the connection now`);
    },
    async delete(key, options) {
      if (!options?.anyInstance) fence();
      await deleteState(deps.sql, module, key);
    },
  };

  async function notify(notices: NoticeRow[], change: NoticeChange, tx: Tx) {
    for (const notice of notices) for (const observe of deps.observers) await observe(tx, notice, change);
  }

  async function apply(condition: ConnectionCondition, at: number): Promise<void> {
    if (at === undefined || epoch !== at) return;
    const detail = 'reason' in condition ? condition.reason : condition.state === 'login-required' ? 'scan the QR code to log in' : (condition.detail ?? null);
    await deps.sql.begin(async (tx) => {
      if (!(await recordState(tx, module, at, condition.state, detail))) return;
      if (condition.state === 'connected') {
        const closed = await closeNotices(tx, module, detail);
        for (const notice of closed) log.info({ notice: notice.kind }, `${module} recovered: ${notice.kind} notice closed`);
        await notify(closed, 'closed', tx);
        return;
      }
      if (!NOTICE_KINDS.has(condition.state)) return;
      const opened = await openNotice(tx, {
        module,
        kind: condition.state as NoticeKind,
        detail: detail ?? condition.state,
        ...(condition.state === 'login-required' ? { qrText: condition.qr.text, ...(condition.qr.png ? { qrPng: condition.qr.png } : {}) } : {}),
      });
      if (opened) {
        log.warn({ notice: opened.kind, detail: opened.detail }, `${module} needs an operator: ${opened.kind}`);
        await notify([opened], 'opened', tx);
      } else if (condition.state === 'login-required') {
        const refreshed = await refreshQr(tx, module, { qrText: condition.qr.text, ...(condition.qr.png ? { qrPng: condition.qr.png } : {}) });
        if (refreshed) await notify([refreshed], 'refreshed', tx);
      }
    });
  }

  /** Opens the reconnecting notice: after `after` ms of reconnecting, or at once when the adapter announces it. */
  async function reconnectingTooLong(at: number, reason: string, announced = false): Promise<void> {
    if (epoch !== at) return;
    const detail = announced ? reason : `${reason} (for more than ${Math.round(after / 60_000) || 1} min now)`;
    await deps.sql.begin(async (tx) => {
      const opened = await openNotice(tx, { module, kind: 'reconnecting', detail });
      if (opened) {
        log.warn({ notice: 'reconnecting', detail }, announced ? `${module} lost its connection` : `${module} has been reconnecting for more than ${Math.round(after / 1000)} s`);
        await notify([opened], 'opened', tx);
      }
    });
  }

  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => log.error({ err: error }, 'could not record the connection state'));
  };

  return {
    module,
    state,
    report(condition) {
      const at = epoch;
      if (at === undefined) return;
      if (condition.state !== 'reconnecting' && condition.state !== 'connecting') {
        // Back, or stuck on something a person must fix (its own notice says so).
        clearTimeout(reconnectTimer);
        reconnectTimer = undefined;
      } else if (condition.state === 'reconnecting' && condition.announce) {
        clearTimeout(reconnectTimer);
        reconnectTimer = undefined;
        enqueue(() => reconnectingTooLong(at, condition.reason, true));
      } else if (condition.state === 'reconnecting' && !reconnectTimer) {
        reconnectTimer = setTimeout(() => enqueue(() => reconnectingTooLong(at, condition.reason)), after);
        reconnectTimer.unref();
      }
      enqueue(() => apply(condition, at));
    },
    held(at) {
      epoch = at;
    },
    released() {
      epoch = undefined;
      clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
    },
    settled: () => chain,
  };
}
