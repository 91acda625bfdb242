/**
 * Socket Mode: the WebSocket behind apps.connections.open's URL.
 *
 * Protocol (https://docs.slack.dev/apis/events-api/using-socket-mode):
 * - the client connects to the one-time URL; Slack sends `{"type":"hello", …}` and only
 *   then does @slack/socket-mode consider itself connected (start() resolves on hello);
 * - Slack sends envelopes `{envelope_id, type: events_api|slash_commands|interactive,
 *   payload, accepts_response_payload}` (events_api also `retry_attempt`, `retry_reason`);
 * - the app acks with `{envelope_id, payload?}`; an ack payload answers a slash command or
 *   a view_submission as an HTTP response body would;
 * - `{"type":"disconnect","reason":"refresh_requested"|"warning"|"link_disabled"}` asks the
 *   client to reconnect (@slack/socket-mode closes and calls apps.connections.open again).
 * The client pings every clientPingTimeout/3 ms and drops the connection when pongs stop
 * coming (then reconnects after clientPingTimeout ms); the emulator answers pings unless
 * told not to, to play a dead link.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { applyMessageResponse, applyViewSubmissionResponse } from './effects.ts';
import type { Workspace } from './workspace.ts';
import type { Json, SocketAck } from './types.ts';

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

export interface SendOptions {
  /** Reject if no ack arrives in time. Slack waits about 3 s before it counts a delivery failed. */
  timeoutMs?: number;
  /** events_api only: mark the envelope as Slack's n-th redelivery. */
  retryAttempt?: number;
  retryReason?: string;
}

interface Pending {
  type: EnvelopeType;
  payload: Json;
  sentAt: number;
  resolve(ack: SocketAck): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export function createSocketMode(ws: Workspace) {
  const server = new WebSocketServer({ noServer: true, autoPong: false });
  const sockets = new Set<WebSocket>();
  const pending = new Map<string, Pending>();
  const acks: SocketAck[] = [];
  /** Frames from the app that were not acks of a pending envelope. */
  const strays: unknown[] = [];
  let next = 0;
  let pings = 0;
  let answerPings = true;

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data) => onFrame(String(data)));
    socket.on('ping', (data) => {
      pings += 1;
      if (answerPings) socket.pong(data);
    });
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: sockets.size,
        debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: ws.app.id },
      }),
    );
  });

  function onFrame(text: string): void {
    let frame: Json;
    try {
      frame = JSON.parse(text) as Json;
    } catch {
      strays.push(text);
      return;
    }
    const id = typeof frame.envelope_id === 'string' ? frame.envelope_id : undefined;
    const waiting = id ? pending.get(id) : undefined;
    if (!id || !waiting) {
      strays.push(frame);
      return;
    }
    pending.delete(id);
    clearTimeout(waiting.timer);
    const payload = frame.payload as Json | undefined;
    const hasPayload = payload !== undefined && Object.keys(payload).length > 0;
    applyAckEffects(waiting, hasPayload ? payload : undefined);
    const ack: SocketAck = { envelope_id: id, type: waiting.type, latencyMs: performance.now() - waiting.sentAt, ...(hasPayload ? { payload } : {}) };
    acks.push(ack);
    waiting.resolve(ack);
  }

  function applyAckEffects(waiting: Pending, payload: Json | undefined): void {
    const body = waiting.payload;
    if (waiting.type === 'slash_commands' && payload) {
      applyMessageResponse(ws, { origin: 'command', user: String(body.user_id), channel: String(body.channel_id) }, payload, 'command_response');
    }
    if (waiting.type === 'interactive' && body.type === 'view_submission') {
      applyViewSubmissionResponse(ws, String((body.view as Json).id), payload);
    }
  }

  /** Only URLs apps.connections.open handed out open a socket, once each. */
  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    const expiresAt = ws.socketTickets.get(ticket);
    ws.socketTickets.delete(ticket);
    if (url.pathname !== '/link/' || expiresAt === undefined || Date.now() > expiresAt) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    server.handleUpgrade(req, socket, head, (client) => server.emit('connection', client, req));
  }

  /** Sends an envelope to one open connection (Slack picks any) and resolves with its ack. */
  function send(type: EnvelopeType, payload: Json, options: SendOptions = {}): Promise<SocketAck> {
    const open = [...sockets].filter((s) => s.readyState === s.OPEN);
    if (open.length === 0) return Promise.reject(new Error('slack emulator: no Socket Mode connection'));
    const socket = open[next++ % open.length]!;
    const envelopeId = randomUUID();
    const envelope: Json = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: type === 'slash_commands' || (type === 'interactive' && payload.type === 'view_submission'),
      ...(type === 'events_api' ? { retry_attempt: options.retryAttempt ?? 0, retry_reason: options.retryReason ?? '' } : {}),
    };
    return new Promise<SocketAck>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 3000;
      const timer = setTimeout(() => {
        pending.delete(envelopeId);
        reject(new Error(`slack emulator: no ack for ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(envelopeId, { type, payload, sentAt: performance.now(), resolve, reject, timer });
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Asks every client to reconnect, as Slack does when it recycles a connection. */
  function disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    const frame = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } });
    for (const socket of sockets) socket.send(frame);
  }

  /** Drops every connection without a word (a network failure). */
  function terminate(): void {
    for (const socket of sockets) socket.terminate();
  }

  async function waitForConnections(count = 1, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (sockets.size < count) {
      if (Date.now() > deadline) throw new Error(`slack emulator: ${sockets.size} of ${count} Socket Mode connections after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  function close(): Promise<void> {
    for (const waiting of pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error('slack emulator closed'));
    }
    pending.clear();
    terminate();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  return {
    handleUpgrade,
    send,
    disconnect,
    terminate,
    waitForConnections,
    close,
    acks,
    strays,
    get connections(): number {
      return sockets.size;
    },
    get pings(): number {
      return pings;
    },
    /** Stop (or resume) answering the client's pings: a link that is up but dead. */
    setAnswerPings(on: boolean): void {
      answerPings = on;
    },
  };
}

export type SocketMode = ReturnType<typeof createSocketMode>;
