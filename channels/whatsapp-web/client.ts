/**
 * The part of whatsapp-web.js the adapter uses, written down: the client's events and methods
 * and the message fields it reads. The real `Client` is built by `realClient`; tests hand the
 * adapter a fake implementing exactly this.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChannelStateStore } from '../../src/channels/contract.ts';
import type { WhatsAppWebConfig } from './config.ts';

/** A message as whatsapp-web.js gives it, the fields we read. */
export interface WaMessage {
  id: { _serialized: string; fromMe: boolean; remote: string };
  /** The chat: `<number>@c.us`, `<id>@lid`, `<id>@g.us` for a group, `status@broadcast`. */
  from: string;
  to: string;
  /** In a group, who wrote it. */
  author?: string;
  fromMe: boolean;
  body: string;
  /** `chat`, `image`, `video`, `audio`, `ptt` (a voice note), `document`, `sticker`, `location`, `vcard`, `multi_vcard`, `revoked`, … */
  type: string;
  timestamp: number;
  hasMedia: boolean;
  isStatus: boolean;
  location?: { latitude: number | string; longitude: number | string; description?: string; name?: string; address?: string };
  vCards: string[];
  /** When the sender last edited it (whatsapp-web.js sets it on edited messages). */
  latestEditSenderTimestampMs?: number;
  /** The sender's push name, when WhatsApp tells it. */
  _data?: { notifyName?: string };
  downloadMedia(): Promise<{ mimetype: string; data: string; filename?: string | null } | undefined>;
}

/** A file to send: whatsapp-web.js's MessageMedia (mimetype, base64 data, file name). */
export interface WaMedia {
  mimetype: string;
  data: string;
  filename?: string | null;
}

/** Delivery acknowledgements (whatsapp-web.js `MessageAck`). */
export const ACK = { error: -1, pending: 0, server: 1, device: 2, read: 3, played: 4 } as const;

export interface WhatsAppClient {
  /** Who is linked, once `ready`. */
  info?: { wid: { user: string; _serialized: string } };
  on(event: 'qr', listener: (qr: string) => void): unknown;
  on(event: 'authenticated', listener: () => void): unknown;
  on(event: 'auth_failure', listener: (message: string) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'message', listener: (message: WaMessage) => void): unknown;
  on(event: 'message_create', listener: (message: WaMessage) => void): unknown;
  on(event: 'message_ack', listener: (message: WaMessage, ack: number) => void): unknown;
  on(event: 'message_edit', listener: (message: WaMessage, newBody: string, prevBody: string) => void): unknown;
  on(event: 'message_revoke_everyone', listener: (message: WaMessage, revoked: WaMessage | null | undefined) => void): unknown;
  on(event: 'disconnected', listener: (reason: string) => void): unknown;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  sendMessage(chatId: string, content: string | WaMedia, options?: { caption?: string; sendAudioAsVoice?: boolean }): Promise<WaMessage>;
  /** Numbers behind privacy ids (`…@lid`), where WhatsApp lets the linked device see them. */
  getContactLidAndPhone(ids: string[]): Promise<{ lid: string; pn: string }[]>;
}

/** What building a client needs: our options for it. */
export interface ClientOptions {
  config: WhatsAppWebConfig;
  /** The session's store in Postgres (whatsapp-web.js RemoteAuth's `store`). */
  store: SessionStore;
  /** RemoteAuth's client id: one session per install. */
  clientId: string;
  /** How often RemoteAuth saves the session (at least a minute). */
  backupSyncIntervalMs: number;
}

export type ClientFactory = (options: ClientOptions) => Promise<WhatsAppClient>;

/** Chromium's flags for a server: headless, no sandbox as root, none of its calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-setuid-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The real whatsapp-web.js Client, in the system's Chromium, its session kept by RemoteAuth in our store. */
export const realClient: ClientFactory = async (options) => {
  // Loaded when the channel is on: whatsapp-web.js brings puppeteer, which no one else needs.
  const { Client, RemoteAuth } = await import('whatsapp-web.js');
  const client = new Client({
    authStrategy: new RemoteAuth({
      store: options.store,
      clientId: options.clientId,
      dataPath: options.config.dataPath,
      backupSyncIntervalMs: options.backupSyncIntervalMs,
    }),
    puppeteer: { executablePath: options.config.chromiumPath, headless: true, args: CHROMIUM_ARGS },
  });
  return client as unknown as WhatsAppClient;
};

/**
 * whatsapp-web.js RemoteAuth's store over the module's state in Postgres: RemoteAuth zips the
 * browser profile into `<dataPath>/<session>.zip` and calls `save`, which keeps the zip; on the
 * next start (here or on the other instance) `extract` writes it back for RemoteAuth to unzip,
 * so the phone stays linked. Writes are fenced: only the instance holding the session saves it.
 */
export interface SessionStore {
  sessionExists(options: { session: string }): Promise<boolean>;
  save(options: { session: string }): Promise<void>;
  extract(options: { session: string; path: string }): Promise<void>;
  delete(options: { session: string }): Promise<void>;
}

export function sessionStore(state: ChannelStateStore, dataPath: string): SessionStore {
  const key = (session: string) => `session:${session}`;
  return {
    async sessionExists({ session }) {
      return (await state.get(key(session))) !== undefined;
    },
    async save({ session }) {
      const zip = await readFile(path.join(dataPath, `${session}.zip`));
      await state.set(key(session), { zip: zip.toString('base64'), savedAt: new Date().toISOString() });
    },
    async extract({ session, path: target }) {
      const stored = await state.get<{ zip: string }>(key(session));
      if (!stored) return;
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, Buffer.from(stored.zip, 'base64'));
    },
    async delete({ session }) {
      await state.delete(key(session));
    },
  };
}
