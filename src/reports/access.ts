/**
 * Access to the dashboard without passwords: `/ticket dashboard` hands the asking agent a link
 * signed with a key only the desk knows, valid for DASHBOARD_LINK_TTL; its first visit swaps it
 * for a signed session cookie valid for DASHBOARD_SESSION_TTL. Both are `payload.signature`,
 * the payload naming the agent, what it is (link or session) and when it expires, the signature
 * an HMAC-SHA256 of the payload. Nothing is stored per link; the key is (report_secrets).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { hmacSha256Hex, safeEqual } from '../shared/crypto.ts';

export type AccessKind = 'link' | 'session';

export type Verdict = { ok: true; agent: string; expiresAt: number } | { ok: false; why: 'expired' | 'invalid' };

/** Signs and checks dashboard links and sessions with one key. */
export interface AccessSigner {
  sign(kind: AccessKind, agent: string, expiresAt: number): string;
  verify(kind: AccessKind, token: string, now: number): Verdict;
}

/** A signer keyed by `key` (never logged). */
export function accessSigner(key: string): AccessSigner {
  const mac = (payload: string) => hmacSha256Hex(key, `switchboard:dashboard:${payload}`);
  return {
    sign(kind, agent, expiresAt) {
      const payload = Buffer.from(JSON.stringify({ k: kind, a: agent, x: expiresAt })).toString('base64url');
      return `${payload}.${mac(payload)}`;
    },
    verify(kind, token, now) {
      const [payload, signature, ...rest] = token.split('.');
      if (!payload || !signature || rest.length > 0 || !safeEqual(signature, mac(payload))) return { ok: false, why: 'invalid' };
      let claims: { k?: unknown; a?: unknown; x?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
      } catch {
        return { ok: false, why: 'invalid' };
      }
      if (claims.k !== kind || typeof claims.a !== 'string' || typeof claims.x !== 'number') return { ok: false, why: 'invalid' };
      if (now >= claims.x) return { ok: false, why: 'expired' };
      return { ok: true, agent: claims.a, expiresAt: claims.x };
    },
  };
}

/**
 * The dashboard key, made on first use by whichever instance gets there first and read by all:
 * a second instance's insert does nothing and it reads the first one's key.
 */
export async function dashboardKey(db: Db): Promise<string> {
  await db`insert into report_secrets (name, secret) values ('dashboard', ${randomBytes(32).toString('base64url')}) on conflict (name) do nothing`;
  const [row] = await db<{ secret: string }[]>`select secret from report_secrets where name = 'dashboard'`;
  return row!.secret;
}
