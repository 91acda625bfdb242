import { ChannelAuthError } from '../channels/contract.ts';
import { hmacSha256Hex, safeEqual } from '../shared/crypto.ts';

// Slack: "If the timestamp is more than five minutes from local time, it could be a replay
// attack, so let's ignore it." Both directions: a request from the future is no better.
// https://docs.slack.dev/authentication/verifying-requests-from-slack#validating-a-request
const WINDOW_SECONDS = 5 * 60;

/**
 * Checks Slack's v0 request signature over the raw body: `X-Slack-Signature` must be
 * `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<body>` keyed by the signing
 * secret, and the timestamp within five minutes of now. Throws ChannelAuthError (401).
 */
export function verifySlackSignature(input: { signingSecret: string; timestamp: string | null; signature: string | null; body: string; nowMs: number }): void {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) throw new ChannelAuthError('missing Slack signature headers');
  if (!/^\d{1,12}$/.test(timestamp)) throw new ChannelAuthError('unreadable X-Slack-Request-Timestamp');
  if (Math.abs(Math.floor(input.nowMs / 1000) - Number(timestamp)) > WINDOW_SECONDS) {
    throw new ChannelAuthError('stale Slack request: the timestamp is more than five minutes from now');
  }
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) throw new ChannelAuthError('unreadable X-Slack-Signature');
  const expected = `v0=${hmacSha256Hex(input.signingSecret, `v0:${timestamp}:${input.body}`)}`;
  if (!safeEqual(signature, expected)) throw new ChannelAuthError('Slack signature mismatch');
}
