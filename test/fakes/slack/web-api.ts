/**
 * One Web API call, end to end: injected latency and faults, token check, rate limit, the
 * method itself, and the record a test reads afterwards.
 *
 * What @slack/web-api 8's WebClient does with our answers (WebClient.makeRequest, p-retry 4):
 * - HTTP 200 with `ok:false` → WebAPIPlatformError (code slack_webapi_platform_error,
 *   `data.error`); never retried.
 * - HTTP 429 with a numeric Retry-After → emits `rate_limited`, then
 *   · `rejectRateLimitedCalls: true`: throws WebAPIRateLimitedError at once
 *     (code slack_webapi_rate_limited_error, `retryAfter` in seconds), no retry;
 *   · otherwise: PAUSES THE CLIENT'S WHOLE REQUEST QUEUE for Retry-After seconds, then
 *     retries under `retryConfig` (its own backoff comes on top). When retries run out the
 *     caller gets WebAPIRequestError ("A rate limit was exceeded …").
 *   A 429 without a usable Retry-After is not retried.
 * - Any other non-200 (500, 503…) → WebAPIHTTPError (code slack_webapi_http_error,
 *   `statusCode`), retried under `retryConfig`; the last one is thrown.
 * - A reset connection → WebAPIRequestError, retried likewise.
 * The default retryConfig is tenRetriesInAboutThirtyMinutes (10 retries, factor ~2,
 * min 1 s): an outage holds a call for half an hour. Set `retryConfig` explicitly (e.g.
 * `{ retries: 2, minTimeout: 100, maxTimeout: 1000 }`) and decide on rejectRateLimitedCalls.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { safeEqual } from '../../../src/shared/crypto.ts';
import { fail, str, type Answer } from './args.ts';
import { createLatencyStats, faultError, type Faults } from './faults.ts';
import { parseArgs, readBody, sendJson } from './http-body.ts';
import { METHODS, type MethodEnv } from './methods/index.ts';
import type { RateLimiter } from './rate-limit.ts';
import { resolveChannel } from './workspace.ts';
import type { Json, RateLimitHit, RecordedCall } from './types.ts';

export interface WebApiDeps {
  env: MethodEnv;
  limiter: RateLimiter;
  faults: Faults;
  latency: ReturnType<typeof createLatencyStats>;
  calls: RecordedCall[];
  rateLimited: RateLimitHit[];
  delayMs(): number;
}

export async function handleWebApi(deps: WebApiDeps, req: IncomingMessage, res: ServerResponse, method: string, query: URLSearchParams): Promise<void> {
  const started = performance.now();
  const receivedAt = Date.now();
  const raw = await readBody(req);
  const delay = deps.delayMs();
  if (delay > 0) await sleep(delay);
  const parsed = await parseArgs(req.headers['content-type'], raw, query);
  const args = 'args' in parsed ? parsed.args : {};
  const token = presentedToken(req, args, 'json' in parsed && parsed.json);
  const record = (status: number, response: Json) => {
    const { token: _omitted, ...rest } = args;
    deps.calls.push({ method, args: rest, token: token.value, status, response, receivedAt, at: Date.now() });
    deps.latency.record(performance.now() - started - delay);
  };

  const fault = deps.faults.take(method);
  if (fault === 'reset') {
    record(0, {});
    req.socket.destroy();
    return;
  }
  if (fault !== undefined) {
    const body = { ok: false, error: faultError(fault) };
    record(fault, body);
    // Slack's rate limit answer carries how long to wait (https://api.slack.com/apis/rate-limits).
    sendJson(res, fault, body, fault === 429 ? { 'retry-after': String(deps.faults.lastRetryAfter()) } : {});
    return;
  }

  const answer = answerCall(deps, method, parsed, args, token);
  if ('retryAfter' in answer) {
    const body = { ok: false, error: 'ratelimited' };
    record(429, body);
    sendJson(res, 429, body, { 'retry-after': String(answer.retryAfter) });
    return;
  }
  record(200, answer);
  sendJson(res, 200, answer);
}

type Token = { value: string | undefined; fromHeader: boolean };

function answerCall(deps: WebApiDeps, method: string, parsed: Awaited<ReturnType<typeof parseArgs>>, args: Json, token: Token): Answer | { retryAfter: number } {
  const { ws } = deps.env;
  const spec = METHODS[method];
  if (!spec) return fail('unknown_method', { req_method: method });
  if ('error' in parsed) return fail(parsed.error);
  const authError = checkToken(spec.token, token, ws.tokens);
  if (authError) return fail(authError);
  // https://docs.slack.dev/reference/methods — "missing_scope: The token used is not granted the specific scope permissions required".
  if (spec.scope && !ws.scopes.has(spec.scope)) return fail('missing_scope', { needed: spec.scope, provided: [...ws.scopes].join(',') });
  const channel = resolveChannel(ws, str(args, 'channel'))?.id ?? str(args, 'channel');
  const limited = deps.limiter.take(method, channel);
  if (limited) {
    deps.rateLimited.push({ method, key: limited.key, retryAfter: limited.retryAfter, at: Date.now() });
    return { retryAfter: limited.retryAfter };
  }
  const answer = spec.run(deps.env, args);
  if (answer.ok && parsed.warnings.length > 0) {
    return { ...answer, warning: parsed.warnings.join(','), response_metadata: { warnings: parsed.warnings } };
  }
  return answer;
}

/**
 * The token is read from `Authorization: Bearer`, or from a `token` form field. A JSON body
 * must use the header: "To make use of sending JSON on write operations, you must provide
 * your token value using an Authorization HTTP header."
 * https://docs.slack.dev/changelog/2017-10-keeping-up-with-the-jsons
 */
function presentedToken(req: IncomingMessage, args: Json, json: boolean): Token {
  const header = req.headers.authorization;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match) return { value: match[1], fromHeader: true };
  const body = typeof args.token === 'string' && !json ? args.token : undefined;
  return { value: body, fromHeader: false };
}

/**
 * not_authed: no token; invalid_auth: a token we never issued; not_allowed_token_type: the
 * other kind of token (an xapp- token on a bot method, or the reverse). apps.connections.open
 * takes the app-level token in the Authorization header only ("passing it as a POST
 * parameter will result in an error"), answered here as not_authed.
 * https://docs.slack.dev/reference/methods/apps.connections.open
 */
function checkToken(kind: 'bot' | 'app', token: Token, tokens: { bot: string; app: string }): string | undefined {
  if (token.value === undefined) return 'not_authed';
  const expected = kind === 'bot' ? tokens.bot : tokens.app;
  const other = kind === 'bot' ? tokens.app : tokens.bot;
  if (safeEqual(token.value, other)) return 'not_allowed_token_type';
  if (!safeEqual(token.value, expected)) return 'invalid_auth';
  if (kind === 'app' && !token.fromHeader) return 'not_authed';
  return undefined;
}
