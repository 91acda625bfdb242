import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The receiver's check of X-Switchboard-Signature, as README.md gives it to integrators. */
export function verifySwitchboardSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const expected = 'sha256=' + createHmac('sha256', secret).update(rawBody).digest('hex');
  return typeof header === 'string' && header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

/** One event as the receiver parsed it (the body of one POST). */
export interface ReceivedEvent {
  id: string;
  type: string;
  at: string;
  ticket: { number: number; status: string; priority: string; assignee: string | null; team: string | null; tags: string[]; channel: string; subject: string | null; contact: { id: number; name: string | null; address: string } } | null;
  actor: string;
  data: any;
}

/** One POST, answered or refused, with what it carried. */
export interface ReceivedPost {
  event: ReceivedEvent;
  raw: Buffer;
  headers: IncomingMessage['headers'];
  /** Whether X-Switchboard-Signature verifies with `secret` (README's check). */
  verifies(secret: string): boolean;
  status: number;
  at: number;
}

/** How the receiver answers one POST: a status, optionally with Retry-After seconds and a body. */
export type Answer = number | { status: number; retryAfter?: number; body?: string };

/**
 * A CRM at EVENT_WEBHOOK_URL: records every POST in arrival order and answers as the test says
 * (200 unless told otherwise), optionally taking its time.
 */
export interface EventReceiver {
  url: string;
  posts: ReceivedPost[];
  /** The events it acknowledged (2xx), in the order it took them. */
  delivered(): ReceivedEvent[];
  /** Sets how each POST is answered (given the event); `undefined` from it means 200. */
  answer(decide: (event: ReceivedEvent) => Answer | undefined): void;
  /** Makes each answer wait this long (a slow receiver). */
  delay(ms: number): void;
  /** Resolves once `predicate` holds over the acknowledged events. */
  waitFor(predicate: (delivered: ReceivedEvent[]) => boolean, timeoutMs?: number, what?: string): Promise<ReceivedEvent[]>;
  close(): Promise<void>;
}

export async function startEventReceiver(): Promise<EventReceiver> {
  const posts: ReceivedPost[] = [];
  let decide: (event: ReceivedEvent) => Answer | undefined = () => undefined;
  let delayMs = 0;
  const server: Server = createServer(async (req, res) => {
    const raw = await readAll(req);
    const event = JSON.parse(raw.toString('utf8')) as ReceivedEvent;
    const given = decide(event) ?? 200;
    const answer = typeof given === 'number' ? { status: given } : given;
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const header = req.headers['x-switchboard-signature'];
    posts.push({ event, raw, headers: req.headers, verifies: (secret) => verifySwitchboardSignature(secret, raw, typeof header === 'string' ? header : undefined), status: answer.status, at: Date.now() });
    res.writeHead(answer.status, answer.retryAfter !== undefined ? { 'retry-after': String(answer.retryAfter) } : {});
    res.end(answer.body ?? (answer.status < 300 ? '{"ok":true}' : '{"ok":false}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const delivered = () => posts.filter((p) => p.status >= 200 && p.status < 300).map((p) => p.event);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/switchboard/events`,
    posts,
    delivered,
    answer: (fn) => void (decide = fn),
    delay: (ms) => void (delayMs = ms),
    async waitFor(predicate, timeoutMs = 15_000, what = 'the expected events') {
      const until = Date.now() + timeoutMs;
      while (!predicate(delivered())) {
        if (Date.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}; delivered: ${delivered().map((e) => `${e.id}:${e.type}`).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return delivered();
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
