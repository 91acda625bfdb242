/**
 * Delivering signed traffic to an app's HTTP endpoint, as Slack does: Events API callbacks
 * (JSON), slash commands (form-encoded) and interactivity (`payload=<json>` form field).
 *
 * Slack waits 3 seconds for an answer. An event that fails (timeout, non-2xx, connection
 * failure) is retried "nearly immediately, then after 1 minute, then after 5 minutes" with
 * `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`, unless the app answered with
 * `X-Slack-No-Retry: 1`. Commands and interactions are never retried; the user sees an
 * error instead. https://docs.slack.dev/apis/events-api/using-http-request-urls#retries
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { signRequest, type SignatureVariant } from './signing.ts';
import type { Json } from './types.ts';

export interface DeliveryOptions {
  variant?: SignatureVariant;
  /** Send as a retry: X-Slack-Retry-Num / X-Slack-Retry-Reason. */
  retryNum?: number;
  retryReason?: 'http_timeout' | 'http_error' | 'connection_failed' | 'too_many_redirects' | 'ssl_error' | 'unknown_error';
  /** How long to wait for the answer. Slack: 3000 ms. */
  timeoutMs?: number;
}

export interface EventDeliveryOptions extends DeliveryOptions {
  /** Redeliver failed events after these delays (Slack: [0, 60_000, 300_000]). Default: no redelivery. */
  redeliverAfterMs?: number[];
}

export interface HttpDelivery {
  /** 0 when no answer came (timeout or connection failure). */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  timedOut: boolean;
  /** Every attempt, first to last (more than one only with redelivery). */
  attempts: { status: number; retryNum: number; reason?: string }[];
}

export async function postSigned(url: string, secret: string, contentType: string, body: string, options: DeliveryOptions = {}): Promise<HttpDelivery> {
  const signed = signRequest(secret, body, options.variant);
  const headers: Record<string, string> = { 'content-type': contentType, 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...signed.headers };
  if (options.retryNum) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_error';
  }
  try {
    const response = await fetch(url, { method: 'POST', headers, body: signed.body, signal: AbortSignal.timeout(options.timeoutMs ?? 3000), redirect: 'manual' });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const delivery: HttpDelivery = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body: text,
      timedOut: false,
      attempts: [{ status: response.status, retryNum: options.retryNum ?? 0 }],
    };
    if (json !== undefined) delivery.json = json;
    return delivery;
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { status: 0, headers: {}, body: '', timedOut, attempts: [{ status: 0, retryNum: options.retryNum ?? 0, reason: timedOut ? 'http_timeout' : 'connection_failed' }] };
  }
}

/** An event callback (or url_verification), redelivered on failure when asked to. */
export async function deliverEvent(url: string, secret: string, envelope: Json, options: EventDeliveryOptions = {}): Promise<HttpDelivery> {
  const body = JSON.stringify(envelope);
  let result = await postSigned(url, secret, 'application/json', body, options);
  const attempts = [...result.attempts];
  for (const [i, delay] of (options.redeliverAfterMs ?? []).entries()) {
    const failed = result.status < 200 || result.status >= 300;
    if (!failed || result.headers['x-slack-no-retry'] === '1') break;
    await sleep(delay);
    const retryReason = result.timedOut ? 'http_timeout' : result.status === 0 ? 'connection_failed' : 'http_error';
    result = await postSigned(url, secret, 'application/json', body, { ...options, retryNum: i + 1, retryReason });
    attempts.push({ ...result.attempts[0]!, reason: retryReason });
  }
  return { ...result, attempts };
}

/** A slash command: the form fields, form-encoded. */
export function deliverCommand(url: string, secret: string, fields: Record<string, string>, options: DeliveryOptions = {}): Promise<HttpDelivery> {
  return postSigned(url, secret, 'application/x-www-form-urlencoded', new URLSearchParams(fields).toString(), options);
}

/** An interaction: the JSON payload in the `payload` form field. */
export function deliverInteraction(url: string, secret: string, payload: Json, options: DeliveryOptions = {}): Promise<HttpDelivery> {
  return postSigned(url, secret, 'application/x-www-form-urlencoded', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), options);
}
