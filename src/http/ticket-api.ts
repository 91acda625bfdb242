import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { ChannelAuthError, ChannelInputError } from '../channels/contract.ts';
import { readJson } from '../shared/http.ts';
import { addLogContext } from '../log.ts';
import type { Tickets } from '../tickets/index.ts';
import type { AppEnv } from './app.ts';

/** A PATCH body: only these fields, each of its type; tags replace the contact's, custom fields merge (null removes one). */
const contactPatch = z.strictObject({
  name: z.string().trim().max(200).nullable().optional(),
  tags: z.array(z.string().trim().min(1).max(64)).max(100).optional(),
  custom: z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])).optional(),
});

/**
 * `GET /api/v1/tickets/:number`, `GET` and `PATCH /api/v1/contacts/:id`, for the API channel's
 * integrations: API_CHANNEL_TOKEN or a token with the route's scope (src/api-tokens/scopes.ts),
 * checked by the /api/v1 guard, which must run before these routes.
 */
export function ticketApiRoutes(tickets: Pick<Tickets, 'view' | 'contact' | 'updateContact'>) {
  return (app: Hono<AppEnv>) => {
    // Defence in depth: a route mounted without the guard refuses rather than answers.
    const guarded = (c: Context<AppEnv>) => {
      if (!c.get('apiGrant')) throw new ChannelAuthError('missing Authorization: Bearer <API_CHANNEL_TOKEN or an API token>');
    };
    const contactId = (param: string): number => {
      if (!/^[1-9]\d{0,9}$/.test(param) || Number(param) > 2_147_483_647) throw new ChannelInputError(`"${param}" is not a contact id`, { status: 400, field: 'id' });
      return Number(param);
    };
    app.get('/api/v1/contacts/:id', async (c) => {
      guarded(c);
      return c.json(await tickets.contact(contactId(c.req.param('id'))));
    });
    app.patch('/api/v1/contacts/:id', async (c) => {
      guarded(c);
      const id = contactId(c.req.param('id'));
      const { value } = await readJson(c.req.raw);
      const parsed = contactPatch.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join('.') || 'body';
        throw new ChannelInputError(`${field}: ${issue.message}`, { status: 400, field });
      }
      const patch = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
      return c.json(await tickets.updateContact(id, patch, 'api'));
    });
    app.get('/api/v1/tickets/:number', async (c) => {
      guarded(c);
      const param = c.req.param('number');
      if (!/^[1-9]\d{0,9}$/.test(param) || Number(param) > 2_147_483_647) {
        throw new ChannelInputError(`"${param}" is not a ticket number`, { status: 400, field: 'number' });
      }
      addLogContext({ ticket: Number(param) });
      return c.json(await tickets.view(Number(param)));
    });
  };
}
