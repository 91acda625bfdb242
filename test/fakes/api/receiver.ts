import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hmacSha256Hex, safeEqual } from '../../../src/shared/crypto.ts';

/** One POST the customer's app received from Switchboard. */
export interface ReceivedReply {
  body: { ticket: number; id: string; to: string; conversation: string; text: string; attachments?: unknown[] };
  signatureValid: boolean;
  /** The `Idempotency-Key` header, if any. */
  idempotencyKey: string | undefined;
  /** The status answered (for a dropped POST, the one it would have had). */
  status: number;
  /** Accepted before under the same id: answered 2xx as already delivered, not shown again. */
  repeat: boolean;
  /** Accepted, then the connection closed instead of answering (`dropNext`). */
  dropped: boolean;
  at: number;
}

/**
 * The other end of the API channel: a custom app receiving agents' replies at
 * API_CHANNEL_WEBHOOK_URL, as the README asks one to behave. It checks `X-Switchboard-Signature`,
 * treats a reply whose `id` (also its `Idempotency-Key`) it accepted before as already delivered
 * (2xx, not shown twice), records every POST, and can be told to answer errors first.
 */
export interface ApiReceiver {
  url: string;
  /** Every POST, answered or refused, in arrival order. */
  posts: ReceivedReply[];
  /** Every reply it accepted (2xx), repeats included: what arrived on the wire. */
  delivered(): ReceivedReply['body'][];
  /** Each reply it accepted once, in order: what the customer was shown (a repeated id dropped). */
  shown(): ReceivedReply['body'][];
  /** Answer the next `count` POSTs with `status` (and Retry-After seconds, if given). */
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  /** Accept the next `count` POSTs, then close the connection instead of answering (the answer lost). */
  dropNext(count: number): void;
  /** Answer every POST with `status` for `ms` milliseconds (the customer's app down a while). */
  failFor(ms: number, status: number): void;
  /** Resolves once `count` replies have been accepted. */
  waitForDelivered(count: number, timeoutMs?: number): Promise<ReceivedReply['body'][]>;
  close(): Promise<void>;
}

export async function startApiReceiver(token: string): Promise<ApiReceiver> {
  const posts: ReceivedReply[] = [];
  const failures: { status: number; retryAfter?: number }[] = [];
  let drops = 0;
  let outage: { until: number; status: number } | undefined;
  const waiters: (() => void)[] = [];
  const accepted = new Set<string>();
  const server: Server = createServer(async (req, res) => {
    const raw = await readAll(req);
    const header = String(req.headers['x-switchboard-signature'] ?? '');
    const signatureValid = safeEqual(header, `sha256=${hmacSha256Hex(token, raw)}`);
    const failure = outage && Date.now() < outage.until ? { status: outage.status, retryAfter: undefined } : failures.shift();
    const status = !signatureValid ? 401 : failure ? failure.status : 200;
    const body = JSON.parse(raw) as ReceivedReply['body'];
    // The signed body's id decides (the header is not signed); Switchboard sends both alike.
    const repeat = status === 200 && accepted.has(body.id);
    if (status === 200) accepted.add(body.id);
    const dropped = status === 200 && drops > 0;
    if (dropped) drops -= 1;
    const idempotencyKey = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    posts.push({ body, signatureValid, idempotencyKey, status, repeat, dropped, at: Date.now() });
    if (dropped) res.socket?.destroy();
    else {
      res.writeHead(status, failure?.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {});
      res.end(status === 200 ? '{"ok":true}' : '{"ok":false}');
    }
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const delivered = () => posts.filter((p) => p.status >= 200 && p.status < 300).map((p) => p.body);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/replies`,
    posts,
    delivered,
    shown: () => posts.filter((p) => p.status >= 200 && p.status < 300 && !p.repeat).map((p) => p.body),
    dropNext(count) {
      drops += count;
    },
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i++) failures.push({ status, retryAfter: retryAfterSeconds });
    },
    failFor(ms, status) {
      outage = { until: Date.now() + ms, status };
    },
    async waitForDelivered(count, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (delivered().length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} delivered replies, got ${delivered().length} after ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return delivered();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
