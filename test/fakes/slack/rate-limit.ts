/**
 * Slack's rate limits as token buckets.
 *
 * chat.postMessage: "generally allows posting one message per second per channel, while
 * also maintaining a workspace-wide limit"; "Short bursts >1 allowed. If you attempt
 * bursts, there is no guarantee that messages will be delivered." Other methods are tiered
 * per method per workspace (Tier 3: 50+ per minute, …). Beyond the limit Slack answers
 * HTTP 429 with `Retry-After: <seconds>` and `{"ok":false,"error":"ratelimited"}`.
 * https://docs.slack.dev/apis/web-api/rate-limits
 */
import type { RateLimitOptions, RateRule } from './types.ts';

export interface RateLimiter {
  /** Takes one request; `undefined` if allowed, else the Retry-After in whole seconds. */
  take(method: string, channel: string | undefined): { key: string; retryAfter: number } | undefined;
  configure(options: false | RateLimitOptions | undefined): void;
}

export function createRateLimiter(options: false | RateLimitOptions | undefined, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let rules = new Map<string, { rule: RateRule; perChannel: boolean }>();

  function configure(next: false | RateLimitOptions | undefined): void {
    buckets.clear();
    rules = new Map();
    if (next === false) return;
    rules.set('chat.postMessage', {
      rule: { perSecond: next?.postsPerSecond ?? 1, burst: next?.burst ?? 3 },
      perChannel: true,
    });
    for (const [method, tier] of Object.entries(next?.tiers ?? {})) {
      rules.set(method, { rule: { perSecond: tier.perMinute / 60, burst: tier.burst }, perChannel: false });
    }
  }

  function take(method: string, channel: string | undefined) {
    const entry = rules.get(method);
    if (!entry) return undefined;
    const key = entry.perChannel ? `${method}:${channel ?? ''}` : method;
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: entry.rule.burst, at: t };
    bucket.tokens = Math.min(entry.rule.burst, bucket.tokens + ((t - bucket.at) / 1000) * entry.rule.perSecond);
    bucket.at = t;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    // Whole seconds, at least 1: the WebClient parseInt()s the header and sleeps that long.
    return { key, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / entry.rule.perSecond)) };
  }

  configure(options);
  return { take, configure };
}
