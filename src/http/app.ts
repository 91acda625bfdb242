import { randomUUID } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { ApiGrant } from '../api-tokens/scopes.ts';
import { matchedRoutes } from 'hono/route';
import type { Sink, WebhookInbound } from '../channels/contract.ts';
import type { Logger } from '../log.ts';
import { withLogContext } from '../log.ts';
import { onError } from './errors.ts';

export type AppEnv = {
  Variables: {
    requestId: string;
    /** Set by the /api/v1 guard: which token the request carries and its scope. */
    apiGrant?: ApiGrant;
  };
};

export interface HttpDeps {
  logger: Logger;
  /** Every webhook module's way in, with the routes it answers. */
  webhooks: Iterable<WebhookInbound>;
  sink: Sink;
  /** Database reachable and migrations applied. */
  ready(): Promise<boolean>;
  /** False once shutdown has begun: new requests are refused with 503. */
  accepting(): boolean;
  /** The /api/v1 guard (token, scope, rate limit), run before every route. */
  guard?: MiddlewareHandler<AppEnv>;
  /** Further routes from core modules (the ticket API, Slack). */
  routes?: ((app: Hono<AppEnv>) => void)[];
  /** Told of every answered request with its route pattern (the metrics' latency histogram). */
  observe?(request: { method: string; route: string; status: number; seconds: number }): void;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The HTTP surface: health, every channel's webhooks, and the routes core modules add. */
export function createHttpApp(deps: HttpDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { logger } = deps;

  app.use(async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    await withLogContext({ requestId }, async () => {
      if (!deps.accepting()) {
        c.res = c.json({ error: 'shutting_down', message: 'this instance is shutting down; retry', requestId }, 503, { connection: 'close', 'retry-after': '1' });
        return;
      }
      await next();
      // After the handler: channels answer with their own Response objects, whose headers can
      // be added to (copying the response would turn its body into a stream); one with
      // immutable headers (a fetched one passed on) is copied.
      try {
        c.res.headers.set('X-Request-Id', requestId);
      } catch {
        c.res = new Response(c.res.body, c.res);
        c.res.headers.set('X-Request-Id', requestId);
      }
      const ms = performance.now() - started;
      logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms) }, 'request');
      // By the route's pattern, not its path, so ticket numbers and ids do not each make a series.
      const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? 'unmatched';
      deps.observe?.({ method: c.req.method, route, status: c.res.status, seconds: ms / 1000 });
    });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ready = await deps.ready().catch(() => false);
    return c.json({ status: ready ? 'ready' : 'not ready' }, ready ? 200 : 503);
  });

  if (deps.guard) app.use(deps.guard);
  for (const inbound of deps.webhooks) {
    for (const route of inbound.routes) app.on(route.method, route.path, (c) => inbound.handle(c.req.raw, deps.sink));
  }
  for (const add of deps.routes ?? []) add(app);

  app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(onError(logger));
  return app;
}
