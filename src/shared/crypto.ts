import { createHmac, timingSafeEqual } from 'node:crypto';

/** Compares two secrets in constant time (for tokens and signatures). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Hex HMAC-SHA256 of `body` keyed by `secret`. */
export function hmacSha256Hex(secret: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * The header Switchboard signs what it POSTs with: agents' replies to API_CHANNEL_WEBHOOK_URL
 * and events to EVENT_WEBHOOK_URL.
 */
export const SIGNATURE_HEADER = 'X-Switchboard-Signature';

/**
 * The value of X-Switchboard-Signature for `body`: `sha256=<hex HMAC-SHA256 of the raw body
 * keyed by secret>`. The receiver computes the same over the bytes it received and compares.
 */
export function switchboardSignature(secret: string, body: string | Uint8Array): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

/**
 * Why `request` does not carry `Authorization: Bearer <token>` (compared in constant time), or
 * undefined when it does. `hint` names the token for whoever has to fix it (`API_CHANNEL_TOKEN`);
 * each surface turns a reason into its own 401.
 */
export function verifyBearer(request: Request, token: string, hint: string): string | undefined {
  const header = request.headers.get('authorization');
  if (!header) return `missing Authorization: Bearer <${hint}>`;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match !== null && safeEqual(match[1]!, token) ? undefined : `wrong bearer token (not ${hint})`;
}
