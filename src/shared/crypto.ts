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
