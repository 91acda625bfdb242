/**
 * Token buckets, one per API token, in this instance's memory: `ratePerSecond` refilled,
 * `burst` at most. Checked before the token is looked up, so a runaway integration (or one
 * guessing tokens) is answered 429 without reaching Postgres.
 */
export interface RateLimiter {
  /** Takes one request from `key`'s bucket: 0 when allowed, else the seconds until one is. */
  take(key: string): number;
}

// Each bucket is a few dozen bytes; a flood of distinct made-up tokens must not grow the map
// without bound. Past this many, the longest-unused buckets go (a full bucket loses nothing).
const MAX_BUCKETS = 10_000;

export function createRateLimiter(options: { ratePerSecond: number; burst: number; now?: () => number }): RateLimiter {
  const { ratePerSecond, burst } = options;
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      buckets.delete(key); // re-inserted last: Map order is least recently used first
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * ratePerSecond);
      bucket.at = t;
      let wait = 0;
      if (bucket.tokens >= 1) bucket.tokens -= 1;
      else wait = Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
      buckets.set(key, bucket);
      if (buckets.size > MAX_BUCKETS) buckets.delete(buckets.keys().next().value!);
      return wait;
    },
  };
}
