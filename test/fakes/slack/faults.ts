/**
 * Outages on demand: the next N calls of a method, or every call for a while, answer an
 * HTTP error (500, 503…) or have their connection reset. `'*'` matches every method; the
 * upload URL counts as the method `upload`.
 */

/** An HTTP status to answer, or `'reset'` to destroy the socket without answering. */
export type FaultKind = number | 'reset';

interface Fault {
  method: string;
  kind: FaultKind;
  remaining?: number;
  until?: number;
  /** For 429: the Retry-After seconds Slack sends with `ratelimited`. */
  retryAfter?: number;
}

export interface Faults {
  failNext(method: string, count?: number, kind?: FaultKind, retryAfterSeconds?: number): void;
  /** Every call of `method` for `ms`; a 429 is Slack's `ratelimited` with Retry-After (default 1 s). */
  failFor(method: string, ms: number, kind?: FaultKind, retryAfterSeconds?: number): void;
  clear(): void;
  /** The fault this call suffers, if any (consumes one of a `failNext`). */
  take(method: string): FaultKind | undefined;
  /** The Retry-After of the fault `take` returned last (429 only). */
  lastRetryAfter(): number;
}

export function createFaults(now: () => number = Date.now): Faults {
  let faults: Fault[] = [];
  let lastRetryAfter = 1;
  return {
    failNext(method, count = 1, kind = 500, retryAfterSeconds = 1) {
      faults.push({ method, kind, remaining: count, retryAfter: retryAfterSeconds });
    },
    failFor(method, ms, kind = 503, retryAfterSeconds = 1) {
      faults.push({ method, kind, until: now() + ms, retryAfter: retryAfterSeconds });
    },
    lastRetryAfter: () => lastRetryAfter,
    clear() {
      faults = [];
    },
    take(method) {
      faults = faults.filter((f) => (f.remaining ?? 1) > 0 && (f.until ?? Infinity) > now());
      const fault = faults.find((f) => f.method === method || f.method === '*');
      if (!fault) return undefined;
      if (fault.remaining !== undefined) fault.remaining -= 1;
      lastRetryAfter = fault.retryAfter ?? 1;
      return fault.kind;
    },
  };
}

/** Slack's error code for an HTTP status, for the JSON body of an injected failure. */
export function faultError(status: number): string {
  return status === 429 ? 'ratelimited' : status === 503 ? 'service_unavailable' : status === 500 ? 'internal_error' : 'fatal_error';
}

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * The emulator's own processing time per Web API call (injected latency excluded), so a
 * benchmark can subtract what the fake itself costs.
 */
export function createLatencyStats() {
  let samples: number[] = [];
  return {
    record(ms: number): void {
      samples.push(ms);
    },
    reset(): void {
      samples = [];
    },
    summary(): LatencySummary {
      const sorted = [...samples].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      const sum = sorted.reduce((a, b) => a + b, 0);
      return {
        count: sorted.length,
        meanMs: sorted.length ? sum / sorted.length : 0,
        p50Ms: at(0.5),
        p95Ms: at(0.95),
        p99Ms: at(0.99),
        maxMs: sorted.at(-1) ?? 0,
      };
    },
  };
}
