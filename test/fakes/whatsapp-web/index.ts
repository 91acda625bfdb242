/**
 * A fake of whatsapp-web.js for tests: WhatsApp and the linked phone on one side, and on the
 * other a client implementing exactly the events and methods the adapter uses (`qr`,
 * `authenticated`, `ready`, `message`, `message_create`, `message_ack`, `message_edit`,
 * `message_revoke_everyone`, `disconnected`, `initialize`, `destroy`, `sendMessage`,
 * `downloadMedia`, `getContactLidAndPhone`). Its login behaves as RemoteAuth does: a stored
 * session is extracted and restores the link without a QR; without one, QR codes rotate until
 * the phone scans, and then the profile is zipped into `<dataPath>/<session>.zip` and saved.
 * Everything the client sends is recorded with the instance that sent it.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientFactory, ClientOptions, WaMessage, WhatsAppClient } from '../../../channels/whatsapp-web/index.ts';

/** What the phone's profile zip holds in the fake: proof the session came from the store. */
const PROFILE = 'fake whatsapp-web profile';

export interface SentMessage {
  instance: string;
  chatId: string;
  /** The text, or the media's file name and type. */
  content: string | { mimetype: string; data: string; filename?: string | null };
  options: { caption?: string } | undefined;
  id: string;
}

export interface FakeCustomerMessage {
  /** `+15550001111`, or a privacy id `1234@lid`, or a group `…@g.us` with `author`. */
  from: string;
  author?: string;
  body?: string;
  type?: string;
  name?: string;
  media?: { mimetype: string; data: Buffer; filename?: string };
  location?: WaMessage['location'];
  vCards?: string[];
  isStatus?: boolean;
  fromMe?: boolean;
}

export class FakeWhatsApp {
  /** The linked phone's number, without +. */
  readonly number: string;
  readonly clients: FakeClient[] = [];
  readonly sent: SentMessage[] = [];
  /** Numbers behind privacy ids the linked device may see: `1234@lid` → `15550001111@c.us`. */
  readonly lids = new Map<string, string>();
  /** How many QR codes were shown, by any client. */
  qrCount = 0;
  /** Scan every QR code as soon as it shows (a phone always at hand). */
  autoScan = false;
  /** Messages written while no client was linked: WhatsApp hands them over once one is. */
  private readonly offline: { event: string; args: unknown[] }[] = [];
  private sequence = 0;

  constructor(number = '15550009999', options: { autoScan?: boolean } = {}) {
    this.number = number;
    this.autoScan = options.autoScan ?? false;
  }

  /** Hands `event` to the linked client, or keeps it until a client is linked. */
  private emitLinked(event: string, ...args: unknown[]): void {
    const client = this.ready;
    if (client) client.emit(event, ...args);
    else this.offline.push({ event, args });
  }

  /** Called by a client as it becomes ready: what arrived meanwhile, in order. */
  drainOffline(client: FakeClient): void {
    for (const { event, args } of this.offline.splice(0)) client.emit(event, ...args);
  }

  /** The factory an instance builds its client with; `instance` names it in `sent`. */
  factory(instance: string): ClientFactory {
    return async (options) => {
      const client = new FakeClient(this, options, instance);
      this.clients.push(client);
      return client;
    };
  }

  /** The client that is linked and ready (the holding instance's), if any. */
  get ready(): FakeClient | undefined {
    return this.clients.findLast((c) => c.state === 'ready');
  }

  /** The client showing a QR code, if any. */
  get waiting(): FakeClient | undefined {
    return this.clients.findLast((c) => c.state === 'qr');
  }

  /** The phone scans the QR code a client shows. */
  async scan(): Promise<void> {
    const client = this.waiting;
    if (!client) throw new Error('no client is showing a QR code');
    await client.linked();
  }

  /** WhatsApp rotates the QR code (it does every 20 s or so). */
  rotateQr(): void {
    const client = this.waiting;
    if (!client) throw new Error('no client is showing a QR code');
    client.showQr();
  }

  /** A customer writes to the linked number: handed to the linked client, or kept until one is. */
  customerWrites(m: FakeCustomerMessage): WaMessage {
    const message = this.message(m);
    this.emitLinked('message', message);
    return message;
  }

  /** WhatsApp hands the same message again (after a reconnect, say). */
  redeliver(message: WaMessage): void {
    this.emitLinked('message', message);
  }

  /** The customer's phone acknowledges one of our messages: 2 delivered, 3 read. */
  ack(id: string, ack: number): void {
    const sent = this.sent.find((s) => s.id === id);
    if (!sent) throw new Error(`nothing was sent with id ${id}`);
    const message = this.message({ from: sent.chatId, body: typeof sent.content === 'string' ? sent.content : '', fromMe: true }, id);
    this.emitLinked('message_ack', message, ack);
  }

  edit(message: WaMessage, body: string): void {
    const edited = { ...message, body, latestEditSenderTimestampMs: Date.now() };
    this.emitLinked('message_edit', edited, body, message.body);
  }

  /** The customer deletes a message for everyone. */
  revoke(message: WaMessage): void {
    const after = { ...message, type: 'revoked', body: '' };
    this.emitLinked('message_revoke_everyone', after, message);
  }

  /** WhatsApp drops the ready client (`NAVIGATION`, or `LOGOUT` when the phone unlinks it). */
  disconnect(reason: string): void {
    const client = this.ready;
    if (!client) throw new Error('no client is ready');
    client.state = 'disconnected';
    client.emit('disconnected', reason);
  }

  private message(m: FakeCustomerMessage, id?: string): WaMessage {
    const chat = m.from.includes('@') ? m.from : `${m.from.replace(/^\+/, '')}@c.us`;
    const fromMe = m.fromMe ?? false;
    const serialized = id ?? `${fromMe}_${chat}_3EB0${(++this.sequence).toString(16).toUpperCase().padStart(8, '0')}${randomBytes(4).toString('hex').toUpperCase()}`;
    const media = m.media;
    return {
      id: { _serialized: serialized, fromMe, remote: chat },
      from: fromMe ? `${this.number}@c.us` : chat,
      to: fromMe ? chat : `${this.number}@c.us`,
      ...(m.author ? { author: m.author } : {}),
      fromMe,
      body: m.body ?? '',
      type: m.type ?? (media ? mediaType(media.mimetype) : 'chat'),
      timestamp: Math.floor(Date.now() / 1000),
      hasMedia: media !== undefined,
      isStatus: m.isStatus ?? chat === 'status@broadcast',
      ...(m.location ? { location: m.location } : {}),
      vCards: m.vCards ?? [],
      _data: m.name ? { notifyName: m.name } : {},
      downloadMedia: async () => (media ? { mimetype: media.mimetype, data: media.data.toString('base64'), filename: media.filename ?? null } : undefined),
    };
  }

  /** Called by a client's sendMessage. */
  record(sent: Omit<SentMessage, 'id'>): string {
    const id = `true_${sent.chatId}_3EB0${(++this.sequence).toString(16).toUpperCase().padStart(8, '0')}`;
    this.sent.push({ ...sent, id });
    return id;
  }
}

function mediaType(mimetype: string): string {
  if (mimetype.startsWith('image/')) return 'image';
  if (mimetype.startsWith('video/')) return 'video';
  if (mimetype.startsWith('audio/ogg')) return 'ptt';
  if (mimetype.startsWith('audio/')) return 'audio';
  return 'document';
}

export class FakeClient extends EventEmitter implements WhatsAppClient {
  state: 'new' | 'qr' | 'ready' | 'disconnected' | 'destroyed' = 'new';
  info?: { wid: { user: string; _serialized: string } };
  readonly instance: string;
  readonly options: ClientOptions;
  private readonly phone: FakeWhatsApp;
  private readonly session: string;

  constructor(phone: FakeWhatsApp, options: ClientOptions, instance: string) {
    super();
    this.phone = phone;
    this.options = options;
    this.instance = instance;
    this.session = `RemoteAuth-${options.clientId}`;
  }

  async initialize(): Promise<void> {
    const { store, config } = this.options;
    // As RemoteAuth does before the browser starts: a stored session is extracted and unzipped.
    if (await store.sessionExists({ session: this.session })) {
      const zip = path.join(config.dataPath, `${this.session}.zip`);
      await store.extract({ session: this.session, path: zip });
      const restored = await readFile(zip, 'utf8').catch(() => '');
      await rm(zip, { force: true });
      if (restored === PROFILE) {
        this.emit('authenticated');
        this.becomeReady();
        return;
      }
      this.emit('auth_failure', 'the stored session could not be restored');
      return;
    }
    this.showQr();
  }

  /** Shows a (new) QR code to scan. */
  showQr(): void {
    this.state = 'qr';
    this.phone.qrCount++;
    this.emit('qr', `2@${randomBytes(24).toString('base64')},${randomBytes(16).toString('base64')},${this.phone.qrCount}`);
    if (this.phone.autoScan) setTimeout(() => void this.linked(), 50);
  }

  /** The phone scanned: authenticated, the profile saved through the store (as RemoteAuth does), ready. */
  async linked(): Promise<void> {
    if (this.state !== 'qr') return;
    this.emit('authenticated');
    const { store, config } = this.options;
    await mkdir(config.dataPath, { recursive: true });
    await writeFile(path.join(config.dataPath, `${this.session}.zip`), PROFILE);
    await store.save({ session: this.session });
    await rm(path.join(config.dataPath, `${this.session}.zip`), { force: true });
    this.becomeReady();
  }

  private becomeReady(): void {
    if (this.state === 'destroyed') return;
    this.state = 'ready';
    this.info = { wid: { user: this.phone.number, _serialized: `${this.phone.number}@c.us` } };
    this.emit('ready');
    this.phone.drainOffline(this);
  }

  async destroy(): Promise<void> {
    this.state = 'destroyed';
    this.removeAllListeners();
  }

  async sendMessage(chatId: string, content: SentMessage['content'], options?: { caption?: string }): Promise<WaMessage> {
    if (this.state !== 'ready') throw new Error('Evaluation failed: the page is not ready');
    if (!/@(c\.us|g\.us|lid)$/.test(chatId)) throw new Error('wid error: invalid wid');
    const media = typeof content === 'string' ? content : { mimetype: content.mimetype, data: content.data, filename: content.filename ?? null };
    const id = this.phone.record({ instance: this.instance, chatId, content: media, options });
    const message = { id: { _serialized: id, fromMe: true, remote: chatId }, from: `${this.phone.number}@c.us`, to: chatId, fromMe: true, body: typeof content === 'string' ? content : (options?.caption ?? ''), type: typeof content === 'string' ? 'chat' : 'document', timestamp: Math.floor(Date.now() / 1000), hasMedia: typeof content !== 'string', isStatus: false, vCards: [], downloadMedia: async () => undefined } satisfies WaMessage;
    // WhatsApp Web reports our own message as created, like any message in the chat.
    this.emit('message_create', message);
    return message;
  }

  async getContactLidAndPhone(ids: string[]): Promise<{ lid: string; pn: string }[]> {
    return ids.flatMap((lid) => (this.phone.lids.has(lid) ? [{ lid, pn: this.phone.lids.get(lid)! }] : []));
  }
}
