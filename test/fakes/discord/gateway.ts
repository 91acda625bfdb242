/**
 * The emulator's gateway WebSocket (https://discord.com/developers/docs/events/gateway): HELLO,
 * IDENTIFY → READY + GUILD_CREATE, heartbeats and their ACKs, dispatches with sequence numbers,
 * RESUME replaying what the session missed then RESUMED, INVALID_SESSION for a session it no
 * longer knows, close 4004 for a refused token. JSON only, uncompressed: a client asking for
 * zlib-stream (`compress` in the URL) or identify compression is refused, since this machine
 * cannot promise it can decode either.
 */
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export interface GatewayDispatch {
  op: 0;
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, for RESUME. */
  log: GatewayDispatch[];
  socket: WebSocket | undefined;
}

export interface GatewayOptions {
  server: Server;
  path: string;
  token: () => string;
  refused: () => boolean;
  heartbeatIntervalMs: number;
  /** READY's `d` without session fields, and the GUILD_CREATE that follows. */
  ready: () => Record<string, unknown>;
  guild: () => Record<string, unknown>;
  resumeUrl: () => string;
}

export class EmulatedGateway {
  readonly #wss: WebSocketServer;
  readonly #options: GatewayOptions;
  readonly #sessions = new Map<string, Session>();
  #current: Session | undefined;
  #paused = false;
  #nextSession = 1;
  identifies = 0;
  resumes = 0;
  heartbeats = 0;
  /** What clients asked for in IDENTIFY (intents, compress). */
  readonly identified: { intents: number; compress: boolean | undefined }[] = [];
  readonly connectUrls: string[] = [];

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    options.server.on('upgrade', (req: IncomingMessage, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== options.path) return socket.destroy();
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, url));
    });
  }

  get connected(): boolean {
    return this.#current?.socket !== undefined;
  }

  #accept(ws: WebSocket, url: URL): void {
    this.connectUrls.push(url.search);
    if (this.#paused) return ws.close(4000, 'gateway unavailable');
    if (url.searchParams.get('encoding') !== 'json' || url.searchParams.has('compress')) return ws.close(4002, 'only uncompressed JSON is spoken here');
    let session: Session | undefined;
    const send = (payload: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(payload));
    send({ op: 10, d: { heartbeat_interval: this.#options.heartbeatIntervalMs }, s: null, t: null });
    ws.on('message', (raw) => {
      let payload: { op: number; d: any };
      try {
        payload = JSON.parse(String(raw));
      } catch {
        return ws.close(4002, 'decode error');
      }
      switch (payload.op) {
        case 1:
          this.heartbeats += 1;
          return send({ op: 11, d: null, s: null, t: null });
        case 2: {
          this.identifies += 1;
          this.identified.push({ intents: payload.d.intents, compress: payload.d.compress });
          if (payload.d.token !== this.#options.token() || this.#options.refused()) return ws.close(4004, 'Authentication failed.');
          if (payload.d.compress) return ws.close(4002, 'identify compression is not spoken here');
          this.#current?.socket?.close(4000, 'replaced by a new session');
          session = { id: `session-${this.#nextSession++}`, seq: 0, log: [], socket: ws };
          this.#sessions.set(session.id, session);
          this.#current = session;
          this.#dispatch(session, 'READY', { ...this.#options.ready(), session_id: session.id, resume_gateway_url: this.#options.resumeUrl() });
          this.#dispatch(session, 'GUILD_CREATE', this.#options.guild());
          return;
        }
        case 6: {
          this.resumes += 1;
          if (payload.d.token !== this.#options.token() || this.#options.refused()) return ws.close(4004, 'Authentication failed.');
          const known = this.#sessions.get(payload.d.session_id);
          if (!known) return send({ op: 9, d: false, s: null, t: null });
          if (known.socket && known.socket !== ws) known.socket.close(4000, 'resumed elsewhere');
          session = known;
          session.socket = ws;
          this.#current = session;
          for (const missed of session.log.filter((d) => d.s > Number(payload.d.seq))) send(missed);
          this.#dispatch(session, 'RESUMED', {});
          return;
        }
        default:
          return;
      }
    });
    ws.on('close', () => {
      if (session?.socket === ws) session.socket = undefined;
    });
  }

  #dispatch(session: Session, t: string, d: unknown): void {
    const payload: GatewayDispatch = { op: 0, s: ++session.seq, t, d };
    session.log.push(payload);
    const ws = session.socket;
    if (ws && ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  }

  /** Sends an event to the bot's current session (buffered for RESUME while it is away). */
  dispatch(t: string, d: unknown): void {
    if (this.#current) this.#dispatch(this.#current, t, d);
  }

  /** Sends the session's latest event again, as a new dispatch (a gateway redelivering). */
  redeliverLast(): void {
    const last = this.#current?.log.filter((d) => d.t !== 'RESUMED' && d.t !== 'READY' && d.t !== 'GUILD_CREATE').at(-1);
    if (last) this.dispatch(last.t, last.d);
  }

  /** Drops the connection; the session stays resumable (`resumable: false` forgets it). */
  disconnect(options: { code?: number; resumable?: boolean } = {}): void {
    const session = this.#current;
    if (!session) return;
    const ws = session.socket;
    session.socket = undefined;
    if (options.resumable === false) {
      this.#sessions.delete(session.id);
      this.#current = undefined;
    }
    ws?.close(options.code ?? 4000, 'forced disconnect');
  }

  /** While paused, every connection is closed at once: the bot is offline. */
  pause(paused = true): void {
    this.#paused = paused;
    if (paused) this.disconnect({ resumable: false });
  }

  /** Closes the live connection with 4004, as Discord does when a token is revoked. */
  refuse(): void {
    const ws = this.#current?.socket;
    this.#sessions.clear();
    this.#current = undefined;
    ws?.close(4004, 'Authentication failed.');
  }

  close(): void {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
  }
}
