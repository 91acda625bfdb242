/**
 * The linked device's session, held by one instance at a time: Chromium running WhatsApp Web
 * through whatsapp-web.js, logged in from the session kept in Postgres or, when there is none,
 * by a QR code shown in the terminal and in Slack. Events are handled one at a time, in the
 * order WhatsApp gave them, so the thread keeps its order.
 */
import { setTimeout as delay } from 'node:timers/promises';
import QRCode from 'qrcode';
import { ChannelInputError, type ChannelDeps, type Sink } from '../../src/channels/contract.ts';
import type { ClientFactory, WaMessage, WhatsAppClient } from './client.ts';
import { sessionStore } from './client.ts';
import type { WhatsAppWebConfig } from './config.ts';
import { ackState, inboundMessage, notForUs, senderOf, WHATSAPP_WEB_CHANNEL } from './inbound.ts';

/** The client of the session this instance holds, once ready; replies go through it. */
export interface LiveSession {
  client?: WhatsAppClient;
}

export interface SessionContext {
  config: WhatsAppWebConfig;
  deps: ChannelDeps;
  createClient: ClientFactory;
  live: LiveSession;
  /** Where the QR code is printed for whoever watches the terminal. */
  terminal: { write(text: string): unknown };
}

/** RemoteAuth's client id: one linked phone per install. */
export const SESSION_CLIENT_ID = 'switchboard';
/** RemoteAuth saves the profile at most this often (its minimum is a minute). */
const BACKUP_SYNC_MS = 5 * 60_000;
/** A message the database could not take is tried again this often before the session restarts. */
const STORE_RETRY_MS = [500, 1_000, 2_000, 5_000, 10_000];
/** Reasons whatsapp-web.js gives when the phone unlinked the device or WhatsApp ended the session. */
const LOGGED_OUT = /LOGOUT|UNPAIRED|CONFLICT|TOS_BLOCK|SMB_TOS_BLOCK|BANNED/i;

/** Holds the session until `signal` aborts; rejects for the runner to restart it (with backoff). */
export async function holdSession(sink: Sink, signal: AbortSignal, context: SessionContext): Promise<void> {
  const { config, deps, live } = context;
  const log = { channel: WHATSAPP_WEB_CHANNEL };
  const store = sessionStore(deps.state, config.dataPath);
  deps.report({ state: 'connecting', detail: (await store.sessionExists({ session: `RemoteAuth-${SESSION_CLIENT_ID}` })) ? 'restoring the stored session' : 'starting; a QR code to scan follows' });
  const client = await context.createClient({ config, store, clientId: SESSION_CLIENT_ID, backupSyncIntervalMs: BACKUP_SYNC_MS });

  let fail: (error: Error) => void = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    fail = reject;
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // One event at a time, in order; a failure to store ends the session (the runner restarts it).
  let queue = Promise.resolve();
  const enqueue = (what: string, work: () => Promise<unknown>) => {
    queue = queue.then(() => withRetries(work, signal)).catch((error: unknown) => {
      deps.logger.error({ ...log, what, err: (error as Error).message }, 'whatsapp-web: could not store an event; restarting the session');
      fail(error as Error);
    });
  };

  client.on('qr', (qr) => {
    void showQr(qr, context).catch((error: unknown) => deps.logger.warn({ ...log, err: (error as Error).message }, 'whatsapp-web: QR code not rendered'));
  });
  client.on('authenticated', () => deps.report({ state: 'connecting', detail: 'authenticated; loading chats' }));
  client.on('auth_failure', (message) => {
    deps.report({ state: 'session-lost', reason: `WhatsApp refused the stored session (${message}); a new QR code follows` });
    // Kept, it would be refused again at every restart: the next start asks for a scan instead.
    void store
      .delete({ session: `RemoteAuth-${SESSION_CLIENT_ID}` })
      .catch(() => {})
      .finally(() => fail(new Error(`whatsapp-web: authentication failed: ${message}`)));
  });
  client.on('ready', () => {
    live.client = client;
    const number = client.info?.wid.user;
    deps.report({ state: 'connected', detail: number ? `linked as +${number}` : 'linked' });
    deps.logger.info({ ...log, number: number ? `+${number}` : undefined }, 'whatsapp-web: ready');
  });
  client.on('message', (message) => enqueue('message', () => handleMessage(message, sink, client, context)));
  // Our own messages (sent from the phone, or our replies) arrive as message_create: not for us.
  client.on('message_create', () => {});
  client.on('message_ack', (message, ack) => {
    const state = ackState(ack);
    if (!state || !message.fromMe) return;
    enqueue('ack', () => sink.status({ kind: 'status', channel: WHATSAPP_WEB_CHANNEL, externalId: message.id._serialized, state, ...(state === 'failed' ? { error: { code: 'ack-error', reason: 'WhatsApp could not deliver the message' } } : {}) }));
  });
  client.on('message_edit', (message, newBody) => {
    if (message.fromMe) return;
    const revision = String(message.latestEditSenderTimestampMs ?? newBody);
    enqueue('edit', () => sink.edit({ kind: 'edit', channel: WHATSAPP_WEB_CHANNEL, externalId: message.id._serialized, text: newBody, revision }));
  });
  client.on('message_revoke_everyone', (after, before) => {
    const revoked = before ?? after;
    if (revoked.fromMe) return;
    enqueue('revoke', () => sink.deletion({ kind: 'deletion', channel: WHATSAPP_WEB_CHANNEL, externalId: revoked.id._serialized }));
  });
  client.on('disconnected', (reason) => {
    live.client = undefined;
    if (LOGGED_OUT.test(reason)) {
      // The phone unlinked us, or WhatsApp ended (or banned) the session: a person has to scan again.
      deps.report({ state: 'session-lost', reason: `WhatsApp ended the session (${reason}): link the phone again with the QR code that follows` });
      void store.delete({ session: `RemoteAuth-${SESSION_CLIENT_ID}` }).catch(() => {});
    } else {
      deps.report({ state: 'reconnecting', reason: `WhatsApp disconnected (${reason}); restarting the session`, announce: true });
    }
    fail(new Error(`whatsapp-web: disconnected: ${reason}`));
  });

  try {
    await Promise.race([client.initialize(), ended]);
    await ended;
  } finally {
    live.client = undefined;
    await client.destroy().catch(() => {});
  }
}

async function handleMessage(message: WaMessage, sink: Sink, client: WhatsAppClient, context: SessionContext): Promise<void> {
  const log = { channel: WHATSAPP_WEB_CHANNEL, id: message.id._serialized };
  const skip = notForUs(message, context.config.groups);
  if (skip) {
    context.deps.logger.debug({ ...log, reason: skip }, 'whatsapp-web: ignored');
    return;
  }
  // In a group the author is the person; the chat is the group, where replies go.
  const person = message.author && message.from.endsWith('@g.us') ? message.author : message.from;
  const sender = await senderOf(person, async (lid) => (await client.getContactLidAndPhone([lid]))[0]?.pn);
  const inbound = await inboundMessage(message, sender);
  try {
    await sink.message(inbound);
  } catch (error) {
    if (!(error instanceof ChannelInputError)) throw error;
    context.deps.logger.warn({ ...log, err: error.message }, 'whatsapp-web: message refused by the core; skipped');
  }
}

/** The QR code in the terminal (as text blocks) and, for Slack, as a PNG. */
async function showQr(qr: string, context: SessionContext): Promise<void> {
  const art = await QRCode.toString(qr, { type: 'terminal', small: true });
  context.terminal.write(`\nWhatsApp: scan this QR code with the phone to link Switchboard (WhatsApp → Linked devices → Link a device):\n${art}\n`);
  const png = await QRCode.toBuffer(qr, { type: 'png', margin: 2, width: 360 });
  context.deps.report({ state: 'login-required', qr: { text: qr, png: new Uint8Array(png) } });
}

/** Runs `work`, again after a pause when the database could not take it, until it works or the session stops. */
async function withRetries(work: () => Promise<unknown>, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      if (signal.aborted || attempt >= STORE_RETRY_MS.length) throw error;
      await delay(STORE_RETRY_MS[attempt]!, undefined, { signal }).catch(() => {});
    }
  }
}
