/**
 * Signing requests exactly as Slack signs them, and the ways a request can be wrong.
 *
 * Slack sends `X-Slack-Request-Timestamp: <unix seconds>` and
 * `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<raw body>" keyed by the
 * signing secret>`. Receivers must reject requests older than five minutes (replays).
 * https://docs.slack.dev/authentication/verifying-requests-from-slack
 */
import { hmacSha256Hex } from '../../../src/shared/crypto.ts';
import { hex } from './ids.ts';

/**
 * How to sign one request:
 * - `valid`: as Slack does.
 * - `forged`: signed with some other secret.
 * - `stale`: correctly signed, but six minutes old (past Slack's five-minute window).
 * - `tampered`: signed, then the body changed in transit.
 * - `unsigned`: no signature headers at all.
 * - `malformed-signature`: headers present but unreadable (unknown version, no hex, text timestamp).
 * - `malformed-body`: correctly signed, but the body is not valid JSON / form data.
 */
export type SignatureVariant = 'valid' | 'forged' | 'stale' | 'tampered' | 'unsigned' | 'malformed-signature' | 'malformed-body';

export function slackSignature(secret: string, timestamp: number | string, body: string): string {
  return `v0=${hmacSha256Hex(secret, `v0:${timestamp}:${body}`)}`;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function signRequest(secret: string, body: string, variant: SignatureVariant = 'valid', nowMs = Date.now()): SignedRequest {
  const now = Math.floor(nowMs / 1000);
  const sign = (ts: number, text: string, key = secret) => ({
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': slackSignature(key, ts, text),
  });
  switch (variant) {
    case 'valid':
      return { body, headers: sign(now, body) };
    case 'forged':
      return { body, headers: sign(now, body, hex(16)) };
    case 'stale':
      return { body, headers: sign(now - 6 * 60, body) };
    case 'tampered':
      return { body: `${body} `, headers: sign(now, body) };
    case 'unsigned':
      return { body, headers: {} };
    case 'malformed-signature':
      return { body, headers: { 'x-slack-request-timestamp': 'yesterday', 'x-slack-signature': 'v1=not-a-signature' } };
    case 'malformed-body': {
      const broken = body.slice(0, Math.max(1, Math.floor(body.length / 2))).replace(/=/g, '%');
      return { body: broken, headers: sign(now, broken) };
    }
  }
}
