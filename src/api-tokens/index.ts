/**
 * Scoped API tokens beside API_CHANNEL_TOKEN: made, listed and revoked from Slack
 * (`/ticket token …`, SLACK_ADMINS only), stored as SHA-256 hashes, checked with their
 * scope and a per-token rate limit on every /api/v1 request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ChannelAuthError } from '../channels/contract.ts';
import type { Sql } from '../db/index.ts';
import { ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from '../errors.ts';
import type { AppEnv } from '../http/app.ts';
import { safeEqual } from '../shared/crypto.ts';
import { createRateLimiter } from './rate-limit.ts';
import { allows, API_PREFIX, routeScope, type ApiGrant, type Scope } from './scopes.ts';
import { findApiTokenByHash, insertApiToken, listApiTokens, revokeApiToken, touchApiTokens, type ApiTokenRow } from './tokens-sql.ts';

export { isScope, SCOPES, type ApiGrant, type Scope } from './scopes.ts';
export type { ApiTokenRow } from './tokens-sql.ts';


export interface ApiTokenSettings {
  /** Requests per second each scoped token may make, on average (API_RATE_LIMIT). */
  ratePerSecond: number;
  /** Requests a scoped token may make at once after a quiet spell (API_RATE_BURST). */
  burst: number;
}

export interface ApiTokens {
  /** Makes a token; the token itself is returned this once and never stored. */
  create(input: { name: string; scope: Scope; by: string }): Promise<{ token: string; row: ApiTokenRow }>;
  list(): Promise<ApiTokenRow[]>;
  /** Revokes token `id`; NotFoundError for an unknown id. */
  revoke(id: number, by: string): Promise<ApiTokenRow>;
  /** The /api/v1 guard: bearer token, scope, rate limit; sets `apiGrant`. */
  guard(): MiddlewareHandler<AppEnv>;
}

// How long one instance trusts what it read about a token. Revocation on another instance
// takes effect here within this time (the issue allows a few seconds, at most 5).
const CACHE_MS = 2_000;
// Bounds the cache against floods of made-up tokens: past this, it starts over.
const MAX_CACHED = 10_000;
const TOKEN_PREFIX = 'sbt_';

type Cached = { until: number; found: { id: number; scope: Scope; revoked: boolean } | undefined };

/** Hex SHA-256 of a presented token: what is stored and looked up. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createApiTokens(deps: { sql: Sql; masterToken: string; settings: ApiTokenSettings; now?: () => number }): ApiTokens {
  const { sql, masterToken } = deps;
  const now = deps.now ?? Date.now;
  const limiter = createRateLimiter({ ratePerSecond: deps.settings.ratePerSecond, burst: deps.settings.burst });
  const cache = new Map<string, Cached>();

  const lookup = async (hash: string): Promise<Cached['found']> => {
    const cached = cache.get(hash);
    if (cached && cached.until > now()) return cached.found;
    const row = await findApiTokenByHash(sql, hash);
    const found = row ? { id: row.id, scope: row.scope, revoked: row.revokedAt !== null } : undefined;
    // Last use: recorded when the cache is refreshed, so to within CACHE_MS, one write per
    // token every CACHE_MS per instance however busy the token is.
    if (found && !found.revoked) await touchApiTokens(sql, [found.id]);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(hash, { until: now() + CACHE_MS, found });
    return found;
  };

  const authenticate = async (header: string | undefined): Promise<ApiGrant> => {
    if (!header) throw new ChannelAuthError('missing Authorization: Bearer <API_CHANNEL_TOKEN or an API token>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ChannelAuthError('Authorization must be Bearer <token>');
    const presented = match[1]!;
    if (safeEqual(presented, masterToken)) return { token: 'API_CHANNEL_TOKEN', scope: 'admin' };
    const hash = tokenHash(presented);
    // Before the lookup: a runaway integration is turned away without reaching Postgres.
    const wait = limiter.take(hash);
    if (wait > 0) throw new RateLimitedError(`this token's rate limit is ${deps.settings.ratePerSecond} requests per second (burst ${deps.settings.burst}); retry after ${wait} s`, wait);
    const found = await lookup(hash);
    if (!found) throw new ChannelAuthError('wrong bearer token (not API_CHANNEL_TOKEN) and not an API token');
    if (found.revoked) throw new ChannelAuthError(`API token ${found.id} has been revoked`);
    return { token: found.id, scope: found.scope };
  };

  return {
    async create({ name, scope, by }) {
      const label = name.trim();
      if (label.length < 1 || label.length > 100) throw new ValidationError('a token needs a name of 1 to 100 characters', 'name');
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const row = await insertApiToken(sql, { name: label, scope, hash: tokenHash(token), prefix: token.slice(0, TOKEN_PREFIX.length + 4), createdBy: by });
      return { token, row };
    },
    list: () => listApiTokens(sql),
    async revoke(id, by) {
      const row = await revokeApiToken(sql, id, by);
      if (!row) throw new NotFoundError(`there is no API token ${id}`);
      // This instance stops trusting it at once; others within CACHE_MS.
      for (const [hash, entry] of cache) if (entry.found?.id === id) cache.delete(hash);
      return row;
    },
    guard() {
      return async (c, next) => {
        if (!c.req.path.startsWith(API_PREFIX)) return next();
        const route = routeScope(c.req.method, c.req.path);
        const header = c.req.header('authorization');
        // The dashboard's browser reads reports with its session cookie; the route checks it.
        if (header === undefined && route.session) return next();
        const grant = await authenticate(header);
        if (!allows(grant.scope, route.scope)) {
          throw new ForbiddenError(`this API token has the ${grant.scope} scope; ${c.req.method} ${c.req.path} needs the ${route.scope} scope`, route.scope);
        }
        c.set('apiGrant', grant);
        // A channel's route checks API_CHANNEL_TOKEN itself and knows nothing of scoped
        // tokens: a request this guard let in is handed on under the channel's own token.
        if (route.channel && grant.token !== 'API_CHANNEL_TOKEN') {
          const headers = new Headers(c.req.raw.headers);
          headers.set('authorization', `Bearer ${masterToken}`);
          c.req.raw = new Request(c.req.raw, { headers });
        }
        await next();
      };
    },
  };
}
