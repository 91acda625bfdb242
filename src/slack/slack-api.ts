import { LogLevel, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../log.ts';
import type { SlackConfig } from './config.ts';

/**
 * The WebClient options every Slack call of ours uses.
 *
 * - `rejectRateLimitedCalls`: on a 429 the WebClient would otherwise pause its whole request
 *   queue for Retry-After and retry in memory; we want the 429 back at once, to hold the
 *   channel back for every instance (send_pacing) and retry from a durable job.
 * - `retryConfig: { retries: 0 }`: by default it retries a 5xx for about 30 minutes in
 *   memory, holding a job and losing the retry if the process stops. Our jobs retry instead.
 *   Always set: the SocketModeClient writes `{ retries: 100 }` into options that lack it.
 * https://docs.slack.dev/tools/node-slack-sdk/web-api#handle-rate-limits
 */
export function webClientOptions(config: SlackConfig, logger: Logger, fetchFn?: typeof fetch): webApi.WebClientOptions {
  return {
    slackApiUrl: config.apiUrl,
    ...(fetchFn ? { fetch: fetchFn as webApi.WebClientOptions['fetch'] } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    // A hung call must not hold a sync job; the job retries it.
    timeout: 10_000,
    logger: boltLogger(logger),
  };
}

export function createWebClient(config: SlackConfig, logger: Logger, fetchFn?: typeof fetch): webApi.WebClient {
  return new webApi.WebClient(config.botToken, webClientOptions(config, logger, fetchFn));
}

/** How a Slack call failed, as the sync job acts on it. */
export type SlackFailure =
  /** 429: wait Retry-After (and hold the channel back for everyone). */
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string }
  /** 5xx, a reset connection, a timeout: Slack is having trouble; back off and retry. */
  | { kind: 'transient'; reason: string }
  /** Slack answered `ok: false` with this error code. */
  | { kind: 'refused'; code: string; reason: string };

// ok:false codes that mean "Slack had trouble", not "your request is wrong".
// https://docs.slack.dev/reference/methods/chat.postMessage#errors
const TRANSIENT_CODES = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/** Classifies whatever a WebClient call threw. */
export function classifySlackError(error: unknown): SlackFailure {
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return { kind: 'rate-limited', retryAfterMs: Math.max(1, error.retryAfter) * 1000, reason: `rate limited for ${error.retryAfter}s` };
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = String(error.data.error);
    if (code === 'ratelimited') return { kind: 'rate-limited', retryAfterMs: 1000, reason: 'ratelimited' };
    if (TRANSIENT_CODES.has(code)) return { kind: 'transient', reason: code };
    return { kind: 'refused', code, reason: code };
  }
  if (error instanceof webApi.WebAPIHTTPError) return { kind: 'transient', reason: `HTTP ${error.statusCode}` };
  if (error instanceof webApi.WebAPIRequestError) return { kind: 'transient', reason: error.original?.message ?? error.message };
  return { kind: 'transient', reason: error instanceof Error ? error.message : String(error) };
}

/** pino as the Slack SDKs' logger interface. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'slack-sdk' });
  const line = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    debug: (...args) => child.debug(line(args)),
    info: (...args) => child.debug(line(args)),
    warn: (...args) => child.warn(line(args)),
    error: (...args) => child.error(line(args)),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}
