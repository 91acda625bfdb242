/**
 * The mailbox, held by one instance at a time (imapflow): catch up by UID from where the last
 * holder stopped, then wait in IDLE for new mail. The position (UIDVALIDITY and the last UID
 * handled) is the module's state in Postgres, so a restart, a dropped connection or the other
 * instance taking over resumes there: nothing missed, nothing fetched twice. Each message is
 * stored (or set aside) before the position moves past it; one caught between the two is
 * fetched again and stored once, its Message-ID being the idempotency key.
 */
import { ImapFlow } from 'imapflow';
import { ChannelInputError, type ChannelDeps, type Sink } from '../../src/channels/contract.ts';
import type { EmailConfig } from './config.ts';
import { readEmail } from './parse.ts';

interface Position {
  uidValidity: string;
  lastUid: number;
  /** When the last handled message arrived: where to look again after UIDVALIDITY changes. */
  lastArrival?: string;
}

const positionKey = (mailbox: string) => `position:${mailbox}`;
/** After a UIDVALIDITY change, mail from this long before the last one handled is looked at again (by Message-ID). */
const RESCAN_OVERLAP_MS = 86_400_000;

/** Holds the mailbox until `signal` aborts; rejects (for the runner to restart it) when the connection is lost. */
export async function holdMailbox(sink: Sink, signal: AbortSignal, config: EmailConfig, deps: ChannelDeps): Promise<void> {
  const { imap } = config;
  const log = { channel: 'email', mailbox: imap.mailbox };
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: imap.password },
    logger: false,
    // IDLE as soon as the connection is quiet (imapflow waits 15 s by default): new mail is
    // announced only while idling, and a customer should not wait for it.
    autoIdleDelay: 200,
    connectionTimeout: 30_000,
    greetingTimeout: 15_000,
  });
  let wake: (() => void) | undefined;
  let newMail = true;
  let closed = false;
  client.on('exists', () => {
    newMail = true;
    wake?.();
  });
  client.on('close', () => {
    closed = true;
    wake?.();
  });
  client.on('error', (error: Error) => deps.logger.warn({ ...log, err: error.message }, 'email: IMAP connection error'));
  const stop = () => {
    wake?.();
    void client.logout().catch(() => client.close());
  };
  signal.addEventListener('abort', stop, { once: true });

  deps.report({ state: 'connecting', detail: `${imap.user} at ${imap.host}` });
  try {
    try {
      await client.connect();
    } catch (error) {
      const e = error as { authenticationFailed?: boolean; responseText?: string; message: string };
      if (e.authenticationFailed) deps.report({ state: 'token-refused', reason: `the IMAP server refused the login (check IMAP_USER and IMAP_PASSWORD): ${e.responseText ?? e.message}` });
      else deps.report({ state: 'reconnecting', reason: `IMAP server unreachable: ${e.message}` });
      throw error;
    }
    const opened = await client.mailboxOpen(imap.mailbox);
    deps.report({ state: 'connected', detail: `${imap.user}, ${imap.mailbox}` });
    const uidValidity = String(opened.uidValidity);
    let position = await startingPosition(client, deps, imap.mailbox, uidValidity, Number(opened.uidNext), sink, config);

    while (!signal.aborted && !closed) {
      if (newMail) {
        newMail = false;
        position = await catchUp(client, deps, imap.mailbox, position, sink, config);
        continue;
      }
      // imapflow is in IDLE now (it enters it whenever the connection is quiet): wait for
      // EXISTS, a dropped connection or the stop.
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (newMail || closed || signal.aborted) resolve();
      });
      wake = undefined;
    }
    if (closed && !signal.aborted) {
      deps.report({ state: 'reconnecting', reason: 'the IMAP server closed the connection' });
      throw new Error('the IMAP server closed the connection');
    }
  } finally {
    signal.removeEventListener('abort', stop);
    if (client.usable) await client.logout().catch(() => client.close());
    else client.close();
  }
}

/**
 * Where to start. The position stored under this UIDVALIDITY is the answer. Without one (the
 * first start) the unread mail is taken; after UIDVALIDITY changed (the server rebuilt the
 * mailbox, every UID is new) the unread mail and whatever arrived since shortly before the
 * last handled message are looked at again, and those already stored are recognised by their
 * Message-ID: nothing re-ingested, nothing missed.
 */
async function startingPosition(client: ImapFlow, deps: ChannelDeps, mailbox: string, uidValidity: string, uidNext: number, sink: Sink, config: EmailConfig): Promise<Position> {
  const stored = await deps.state.get<Position>(positionKey(mailbox));
  if (stored?.uidValidity === uidValidity) return stored;
  const unread = (await client.search({ seen: false }, { uid: true })) || [];
  const since = stored?.lastArrival ? (await client.search({ since: new Date(Date.parse(stored.lastArrival) - RESCAN_OVERLAP_MS) }, { uid: true })) || [] : [];
  const backlog = [...new Set([...unread, ...since])].filter((uid) => uid < uidNext).sort((a, b) => a - b);
  deps.logger.info(
    { channel: 'email', mailbox, uidValidity, before: stored?.uidValidity, backlog: backlog.length },
    stored ? 'email: UIDVALIDITY changed; looking again at recent and unread mail by Message-ID' : 'email: first start; taking the unread mail',
  );
  let position: Position = { uidValidity, lastUid: 0, ...(stored?.lastArrival ? { lastArrival: stored.lastArrival } : {}) };
  for (const uid of backlog) position = await handle(client, deps, mailbox, uid, position, sink, config);
  position = { ...position, lastUid: Math.max(position.lastUid, uidNext - 1) };
  await deps.state.set(positionKey(mailbox), position);
  return position;
}

/** Every message after the last one handled, oldest first. */
async function catchUp(client: ImapFlow, deps: ChannelDeps, mailbox: string, from: Position, sink: Sink, config: EmailConfig): Promise<Position> {
  // `n:*` always includes the highest UID, even below n (RFC 3501 §6.4.8): filtered below.
  const uids = ((await client.search({ uid: `${from.lastUid + 1}:*` }, { uid: true })) || []).filter((uid) => uid > from.lastUid).sort((a, b) => a - b);
  let position = from;
  for (const uid of uids) position = await handle(client, deps, mailbox, uid, position, sink, config);
  return position;
}

/** Stores one message (or sets it aside), marks it handled in the mailbox, then moves the position past it. */
async function handle(client: ImapFlow, deps: ChannelDeps, mailbox: string, uid: number, position: Position, sink: Sink, config: EmailConfig): Promise<Position> {
  const log = { channel: 'email', mailbox, uid };
  const fetched = await client.fetchOne(String(uid), { source: true, internalDate: true }, { uid: true });
  if (fetched && fetched.source) {
    const read = await readEmail(fetched.source, config);
    switch (read.kind) {
      case 'message':
        try {
          const result = await sink.message(read.message);
          deps.logger.info({ ...log, ticket: result.ticket, duplicate: result.duplicate }, 'email stored');
        } catch (error) {
          // Nothing about it changes on a retry: the core refused its content.
          if (!(error instanceof ChannelInputError)) throw error;
          deps.logger.warn({ ...log, err: error.message }, 'email refused by the core; skipped');
        }
        break;
      case 'bounce': {
        const { updated } = await sink.status(read.status);
        deps.logger.info({ ...log, reply: read.status.externalId, updated }, 'email: a bounce of our reply');
        break;
      }
      case 'ignored':
        deps.logger.info({ ...log, reason: read.reason }, 'email: not a ticket; ignored');
        break;
    }
    await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    if (config.processedMailbox) await client.messageMove(String(uid), config.processedMailbox, { uid: true });
  }
  const arrived = fetched && fetched.internalDate ? new Date(fetched.internalDate).toISOString() : position.lastArrival;
  const next: Position = { ...position, lastUid: uid, ...(arrived ? { lastArrival: arrived } : {}) };
  await deps.state.set(positionKey(mailbox), next);
  return next;
}
