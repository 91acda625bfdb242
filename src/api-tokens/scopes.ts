/**
 * What each /api/v1 route needs. `intake`: post inbound messages only; `read`: tickets,
 * contacts, reports; `admin`: everything (API_CHANNEL_TOKEN has it). A route not listed
 * needs `admin`: a new route is closed until someone gives it a scope here.
 */
export const SCOPES = ['intake', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who a request is: the API channel's token (full access) or a scoped token by id. */
export type ApiGrant = { token: 'API_CHANNEL_TOKEN'; scope: 'admin' } | { token: number; scope: Scope };

/** Whether a token of scope `held` may use a route that needs `needed`. */
export function allows(held: Scope, needed: Scope): boolean {
  return held === 'admin' || held === needed;
}

export interface RouteScope {
  method: string;
  path: RegExp;
  scope: Scope;
  /** The dashboard's signed-in browser may call it without a token (reports). */
  session?: boolean;
  /** A channel's own route: the channel checks API_CHANNEL_TOKEN itself. */
  channel?: boolean;
}

export const API_PREFIX = '/api/v1/';

export const ROUTE_SCOPES: readonly RouteScope[] = [
  { method: 'POST', path: /^\/api\/v1\/inbound$/, scope: 'intake', channel: true },
  { method: 'GET', path: /^\/api\/v1\/tickets\/[^/]+$/, scope: 'read' },
  { method: 'GET', path: /^\/api\/v1\/contacts\/[^/]+$/, scope: 'read' },
  // Changing a contact writes: beyond `read`.
  { method: 'PATCH', path: /^\/api\/v1\/contacts\/[^/]+$/, scope: 'admin' },
  { method: 'GET', path: /^\/api\/v1\/reports\/summary$/, scope: 'read', session: true },
  { method: 'GET', path: /^\/api\/v1\/reports\/tickets\.csv$/, scope: 'read', session: true },
];

/** The scope `method path` needs; `admin` for anything not listed. HEAD is read as GET. */
export function routeScope(method: string, path: string): RouteScope {
  const wanted = method === 'HEAD' ? 'GET' : method;
  return ROUTE_SCOPES.find((r) => r.method === wanted && r.path.test(path)) ?? { method, path: /.*/, scope: 'admin' };
}
