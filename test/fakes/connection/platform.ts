/**
 * A connection-only chat platform, for testing what the core does for connection holders
 * (Telegram long polling, the Discord gateway, IMAP IDLE, a WhatsApp linked device) without
 * any one vendor's details. Its wire protocol, on 127.0.0.1, is modelled on Telegram's Bot API
 * long polling (https://core.telegram.org/bots/api#getupdates) with a linked-device login:
 *
 *   POST /connect            Authorization: Bearer <token>
 *     200 { session }        a session for this client; only one is live at a time (a new
 *                            connect ends the previous one, as a linked device does)
 *     401 { error: 'unauthorized' }       the token is refused
 *     409 { error: 'login_required', qr } the device must be linked: show `qr`, poll again
 *   GET  /updates?offset=N&timeout=S      X-Session: <session>
 *     200 { updates: [{ update_id, type: 'message' | 'edited' | 'deleted' | 'reaction', message }] }
 *                            updates with update_id >= offset, waiting up to S seconds for
 *                            one; asking with offset N confirms (forgets) those below N
 *     401 { error: 'session_expired' }    the session was ended (logged out, replaced)
 *   POST /messages { chat, text, reply_to?, subject? }    X-Session: <session>
 *     200 { message_id, chat }   and the platform echoes our own message back as an update
 *                            with `from_me: true`, as linked devices do. A message to a
 *                            `forum:` chat opens a thread there: `chat` is the thread's id,
 *                            where the conversation continues (as Discord's support channels)
 *
 * Anything may answer 503 while the platform is down (`goDown`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PlatformMessage {
  message_id: string;
  chat: string;
  from: { id: string; name?: string };
  text: string;
  subject?: string;
  references?: string[];
  from_me?: boolean;
  date: number;
}

export interface PlatformUpdate {
  update_id: number;
  type: 'message' | 'edited' | 'deleted' | 'reaction';
  message: PlatformMessage;
}

/** What a client sent through the platform: the customer sees `text` in `chat`. */
export interface SentMessage {
  message_id: string;
  chat: string;
  text: string;
  reply_to?: string;
  subject?: string;
  /** The session it was sent on: which instance held the connection. */
  session: string;
}

export interface ConnectionPlatform {
  url: string;
  token: string;
  /** The customer writes; returns the platform's message id. */
  customerWrites(input: { chat: string; from: string; name?: string; text: string; subject?: string; references?: string[]; id?: string }): string;
  customerEdits(messageId: string, text: string): void;
  customerDeletes(messageId: string): void;
  /** An update of a type our adapter does not handle. */
  customerReacts(messageId: string): void;
  /** Delivers an update again (a platform redelivering after a reconnect). */
  redeliver(updateId: number): void;
  readonly updates: readonly PlatformUpdate[];
  readonly sent: readonly SentMessage[];
  /** Sessions handed out, oldest first. */
  readonly sessions: readonly string[];
  /** The device must be linked before the next connect succeeds. */
  requireLogin(qr: string): void;
  /** The operator scanned the QR code. */
  scan(): void;
  /** Ends the live session: its next request gets 401 session_expired. */
  expireSession(): void;
  refuseToken(refuse?: boolean): void;
  goDown(down?: boolean): void;
  /** The highest offset a client confirmed. */
  readonly confirmed: number;
  close(): Promise<void>;
}

export async function startConnectionPlatform(token = `fake-token-${Math.random().toString(36).slice(2)}`): Promise<ConnectionPlatform> {
  const updates: PlatformUpdate[] = [];
  const sent: SentMessage[] = [];
  const sessions: string[] = [];
  const messages = new Map<string, PlatformMessage>();
  let live: string | undefined;
  let loginQr: string | undefined;
  let refused = false;
  let down = false;
  let confirmed = 0;
  let nextUpdate = 1;
  let nextMessage = 1;
  const waiters = new Set<() => void>();

  const push = (type: PlatformUpdate['type'], message: PlatformMessage) => {
    updates.push({ update_id: nextUpdate++, type, message: { ...message } });
    for (const wake of waiters) wake();
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (down) return json(res, 503, { error: 'unavailable' });
    if (req.method === 'POST' && url.pathname === '/connect') {
      if (refused || req.headers.authorization !== `Bearer ${token}`) return json(res, 401, { error: 'unauthorized' });
      if (loginQr) return json(res, 409, { error: 'login_required', qr: loginQr });
      live = `session-${sessions.length + 1}`;
      sessions.push(live);
      return json(res, 200, { session: live });
    }
    const session = req.headers['x-session'];
    if (!live || session !== live) return json(res, 401, { error: 'session_expired' });
    if (req.method === 'GET' && url.pathname === '/updates') {
      const offset = Number(url.searchParams.get('offset') ?? '0');
      const timeout = Math.min(10, Number(url.searchParams.get('timeout') ?? '0'));
      if (offset > confirmed) confirmed = offset;
      const due = () => updates.filter((u) => u.update_id >= offset);
      if (due().length === 0 && timeout > 0) {
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, timeout * 1000);
          waiters.add(wake);
          req.once('close', wake);
        });
      }
      if (session !== live) return json(res, 401, { error: 'session_expired' });
      return json(res, 200, { updates: due().slice(0, 100) });
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const body = await readBody(req);
      if (typeof body.chat !== 'string' || typeof body.text !== 'string') return json(res, 400, { error: 'chat and text are required' });
      const message_id = `out-${nextMessage++}`;
      const chat = body.chat.startsWith('forum:') ? `thread-${message_id}` : body.chat;
      sent.push({
        message_id,
        chat,
        text: body.text,
        session: String(session),
        ...(typeof body.reply_to === 'string' ? { reply_to: body.reply_to } : {}),
        ...(typeof body.subject === 'string' ? { subject: body.subject } : {}),
      });
      const echo: PlatformMessage = { message_id, chat, from: { id: 'us' }, text: body.text, from_me: true, date: Math.floor(Date.now() / 1000) };
      messages.set(message_id, echo);
      push('message', echo);
      return json(res, 200, { message_id, chat });
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    customerWrites(input) {
      const message: PlatformMessage = {
        message_id: input.id ?? `in-${nextMessage++}`,
        chat: input.chat,
        from: { id: input.from, ...(input.name ? { name: input.name } : {}) },
        text: input.text,
        ...(input.subject ? { subject: input.subject } : {}),
        ...(input.references ? { references: input.references } : {}),
        date: Math.floor(Date.now() / 1000),
      };
      messages.set(message.message_id, message);
      push('message', message);
      return message.message_id;
    },
    customerEdits(messageId, text) {
      const message = messages.get(messageId)!;
      message.text = text;
      push('edited', { ...message, date: Math.floor(Date.now() / 1000) });
    },
    customerDeletes(messageId) {
      push('deleted', messages.get(messageId)!);
    },
    customerReacts(messageId) {
      push('reaction', messages.get(messageId)!);
    },
    redeliver(updateId) {
      const update = updates.find((u) => u.update_id === updateId)!;
      updates.push({ ...update, update_id: nextUpdate++ });
      for (const wake of waiters) wake();
    },
    get updates() {
      return updates;
    },
    get sent() {
      return sent;
    },
    get sessions() {
      return sessions;
    },
    get confirmed() {
      return confirmed;
    },
    requireLogin(qr) {
      loginQr = qr;
      live = undefined;
      for (const wake of waiters) wake();
    },
    scan() {
      loginQr = undefined;
    },
    expireSession() {
      live = undefined;
      for (const wake of waiters) wake();
    },
    refuseToken(refuse = true) {
      refused = refuse;
      if (refuse) {
        live = undefined;
        for (const wake of waiters) wake();
      }
    },
    goDown(value = true) {
      down = value;
      for (const wake of waiters) wake();
    },
    async close() {
      for (const wake of waiters) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
