import type { Hono } from 'hono';
import { ChannelAuthError, ChannelInputError } from '../channels/contract.ts';
import { verifyBearer } from '../shared/crypto.ts';
import { addLogContext } from '../log.ts';
import type { Tickets } from '../tickets/index.ts';
import type { AppEnv } from './app.ts';

/** `GET /api/v1/tickets/:number`, for the API channel's integrations (same bearer token). */
export function ticketApiRoutes(tickets: Pick<Tickets, 'view'>, token: string) {
  return (app: Hono<AppEnv>) => {
    app.get('/api/v1/tickets/:number', async (c) => {
      const refusal = verifyBearer(c.req.raw, token, 'API_CHANNEL_TOKEN');
      if (refusal) throw new ChannelAuthError(refusal);
      const param = c.req.param('number');
      if (!/^[1-9]\d{0,9}$/.test(param) || Number(param) > 2_147_483_647) {
        throw new ChannelInputError(`"${param}" is not a ticket number`, { status: 400, field: 'number' });
      }
      addLogContext({ ticket: Number(param) });
      return c.json(await tickets.view(Number(param)));
    });
  };
}
