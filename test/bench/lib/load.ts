/**
 * A small HTTP load generator on node:http with keep-alive: closed loop (N requests in flight
 * for a duration: capacity) and open loop (a fixed arrival rate, latency counted from each
 * request's scheduled time, so a stall is not hidden by the generator waiting on it).
 */
import { Agent, request } from 'node:http';

export interface Target {
  url: string;
  headers: Record<string, string>;
  /** The body of the i-th request. */
  body(i: number): string;
}

export interface Outcome {
  sent: number;
  ok: number;
  failed: number;
  /** Acknowledgement latencies of successful requests, ms. */
  latencies: number[];
  elapsedMs: number;
  /** First failure's status and body, for the report. */
  firstFailure?: string;
}

/**
 * POSTs the i-th body. A keep-alive socket the server closed as idle just as the request went
 * out fails with ECONNRESET before the server read anything: sent again on a fresh socket, as
 * Node's documentation of `request.reusedSocket` advises.
 */
function post(agent: Agent, target: Target, i: number): Promise<{ status: number; body: string }> {
  return postOnce(agent, target, i).catch((error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
    if (error.code === 'ECONNRESET' && error.reusedSocket) return postOnce(agent, target, i);
    throw error;
  });
}

function postOnce(agent: Agent, target: Target, i: number): Promise<{ status: number; body: string }> {
  const url = new URL(target.url);
  const payload = target.body(i);
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...target.headers, 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(payload);
  });
}

function tally(outcome: Outcome, status: number, body: string, startedAt: number): void {
  if (status >= 200 && status < 300) {
    outcome.ok += 1;
    outcome.latencies.push(performance.now() - startedAt);
  } else {
    outcome.failed += 1;
    outcome.firstFailure ??= `${status} ${body.slice(0, 300)}`;
  }
}

/** Keeps `concurrency` requests in flight until `count` have been sent or `durationMs` passed. */
export async function closedLoop(target: Target, options: { concurrency: number; durationMs?: number; count?: number; first?: number; onOk?: (n: number) => void | Promise<void> }): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const outcome: Outcome = { sent: 0, ok: 0, failed: 0, latencies: [], elapsedMs: 0 };
  const start = performance.now();
  const end = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const limit = options.count ?? Infinity;
  let next = options.first ?? 0;
  const worker = async () => {
    while (performance.now() < end && outcome.sent < limit) {
      const i = next++;
      outcome.sent += 1;
      const startedAt = performance.now();
      try {
        const { status, body } = await post(agent, target, i);
        tally(outcome, status, body, startedAt);
        if (status < 300) await options.onOk?.(outcome.ok);
      } catch (error) {
        outcome.failed += 1;
        outcome.firstFailure ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  outcome.elapsedMs = performance.now() - start;
  agent.destroy();
  return outcome;
}

/**
 * Sends at `ratePerSecond` for `durationMs`, whatever the answers take; each latency is from
 * the moment the request was due to its answer.
 */
export async function openLoop(
  target: Target,
  options: {
    ratePerSecond: number;
    durationMs: number;
    first?: number;
    maxInFlight?: number;
    /** Called as the i-th request is sent, with the epoch time it was due (ms). */
    onSend?: (i: number, dueAtEpochMs: number) => void;
  },
): Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight ?? 256 });
  const outcome: Outcome = { sent: 0, ok: 0, failed: 0, latencies: [], elapsedMs: 0 };
  const interval = 1000 / options.ratePerSecond;
  const total = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  const start = performance.now();
  const pending: Promise<void>[] = [];
  let i = options.first ?? 0;
  for (let n = 0; n < total; n++) {
    const dueAt = start + n * interval;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const index = i++;
    outcome.sent += 1;
    options.onSend?.(index, performance.timeOrigin + dueAt);
    pending.push(
      post(agent, target, index).then(
        ({ status, body }) => tally(outcome, status, body, dueAt),
        (error) => {
          outcome.failed += 1;
          outcome.firstFailure ??= String(error);
        },
      ),
    );
  }
  await Promise.all(pending);
  outcome.elapsedMs = performance.now() - start;
  agent.destroy();
  return outcome;
}
