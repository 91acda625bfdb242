import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';
import { ADA, GRACE, slashTicket, startSlackDesk, type SlackDesk } from '../slack/helpers.ts';

let desk: SlackDesk;
let other: TestSwitchboard | undefined;
beforeAll(async () => {
  desk = await startSlackDesk({ env: { SLACK_ADMINS: `${ADA}, U0ADMIN999`, API_RATE_LIMIT: '2', API_RATE_BURST: '5' } });
});
afterAll(async () => {
  await other?.close();
  await desk?.close();
});

let sequence = 0;
const call = (base: string, token: string, method: string, path: string, body?: unknown) =>
  fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
const inbound = (token: string, base = desk.app.url) => call(base, token, 'POST', '/api/v1/inbound', { id: `tok-${++sequence}`, from: 'crm@example.com', text: 'hello' });

/** Makes a token as the admin and returns it with its id, from the one ephemeral answer. */
async function newToken(scope: string, name: string): Promise<{ token: string; id: number; answer: string }> {
  const answer = await slashTicket(desk, `token new ${scope} "${name}"`);
  const token = /`(sbt_[\w-]+)`/.exec(answer)?.[1];
  const id = Number(/\(id (\d+)\)/.exec(answer)?.[1]);
  expect(token, answer).toBeDefined();
  return { token: token!, id, answer };
}

describe('scoped API tokens', () => {
  it('are refused to anyone not in SLACK_ADMINS, whatever the token command', async () => {
    for (const text of ['token list', 'token new read "x"', 'token revoke 1', 'token']) {
      expect(await slashTicket(desk, text, GRACE)).toMatch(/^Only the desk's admins \(SLACK_ADMINS\)/);
    }
    expect(await desk.app.database.sql`select 1 from api_tokens`).toHaveLength(0);
  });

  it('are shown once to the admin who makes one and stored only as a SHA-256 hash', async () => {
    const { token, id, answer } = await newToken('read', 'CRM sync');
    expect(answer).toContain('New *read* API token *CRM sync*');
    const [row] = await desk.app.database.sql<{ tokenHash: string; name: string; scope: string; createdBy: string }[]>`select * from api_tokens where id = ${id}`;
    expect(row).toMatchObject({ name: 'CRM sync', scope: 'read', createdBy: ADA, tokenHash: createHash('sha256').update(token).digest('hex') });
    expect(JSON.stringify(await desk.app.database.sql`select * from api_tokens`)).not.toContain(token.slice(8));
  });

  it('a read token cannot post inbound messages: 403 naming the intake scope', async () => {
    const { token } = await newToken('read', 'reader');
    const response = await inbound(token);
    expect(response.status).toBe(403);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'forbidden', scope: 'intake' });
    expect(body.message).toMatch(/needs the intake scope/);
    expect(await desk.app.database.sql`select 1 from messages where external_id = ${`tok-${sequence}`}`).toHaveLength(0);
  });

  it('a read token reads tickets, contacts and reports but cannot change a contact', async () => {
    const { token } = await newToken('read', 'dashboards');
    const ticket = await desk.write('reader@example.com', 'a ticket to read');
    const view = await call(desk.app.url, token, 'GET', `/api/v1/tickets/${ticket}`);
    expect(view.status).toBe(200);
    const { contact } = (await view.json()) as { contact: { id: number } };
    expect((await call(desk.app.url, token, 'GET', `/api/v1/contacts/${contact.id}`)).status).toBe(200);
    expect((await call(desk.app.url, token, 'GET', '/api/v1/reports/summary?period=7d')).status).toBe(200);
    const patch = await call(desk.app.url, token, 'PATCH', `/api/v1/contacts/${contact.id}`, { tags: ['vip'] });
    expect(patch.status).toBe(403);
    expect(await patch.json()).toMatchObject({ error: 'forbidden', scope: 'admin' });
  });

  it('an intake token posts inbound messages but cannot read tickets: 403 naming the read scope', async () => {
    const { token } = await newToken('intake', 'contact form');
    const posted = await inbound(token);
    expect(posted.status).toBe(200);
    const { ticket } = (await posted.json()) as { ticket: number };
    const read = await call(desk.app.url, token, 'GET', `/api/v1/tickets/${ticket}`);
    expect(read.status).toBe(403);
    expect(await read.json()).toMatchObject({ error: 'forbidden', scope: 'read' });
    expect((await call(desk.app.url, token, 'GET', '/api/v1/reports/tickets.csv')).status).toBe(403);
  });

  it('an admin token may do everything, and API_CHANNEL_TOKEN keeps full access', async () => {
    const { token } = await newToken('admin', 'ops');
    const posted = await inbound(token);
    expect(posted.status).toBe(200);
    const { ticket } = (await posted.json()) as { ticket: number };
    expect((await call(desk.app.url, token, 'GET', `/api/v1/tickets/${ticket}`)).status).toBe(200);
    expect((await inbound(TEST_API_TOKEN)).status).toBe(200);
    expect((await call(desk.app.url, TEST_API_TOKEN, 'GET', `/api/v1/tickets/${ticket}`)).status).toBe(200);
  });

  it('an unknown token gets 401', async () => {
    const response = await inbound('sbt_not-a-token-anyone-made');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('are listed with scope, maker and last use, never the token itself', async () => {
    const { token, id } = await newToken('intake', 'listed');
    expect((await inbound(token)).status).toBe(200);
    const list = await slashTicket(desk, 'token list');
    const line = list.split('\n').find((l) => l.startsWith(`• ${id} ·`));
    expect(line).toMatch(new RegExp(`^• ${id} · \\*listed\\* · intake · \`sbt_.{4}…\` · made by <@${ADA}> <!date\\^\\d+\\^\\{ago\\}\\|[^>]+> · last used <!date`));
    expect(list).not.toContain(token);
    const [row] = await desk.app.database.sql<{ lastUsedAt: Date | null }[]>`select last_used_at from api_tokens where id = ${id}`;
    expect(row!.lastUsedAt).toBeInstanceOf(Date);
  });

  it('a revoked token gets 401, within seconds on another instance that had it cached', async () => {
    const { token, id } = await newToken('intake', 'to revoke');
    other = await startTestSwitchboard({ db: desk.app.db });
    expect((await inbound(token, other.url)).status).toBe(200);
    expect((await inbound(token)).status).toBe(200);

    expect(await slashTicket(desk, `token revoke ${id}`)).toContain(`API token ${id} (*to revoke*, intake) is revoked`);
    const here = await inbound(token);
    expect(here.status).toBe(401);
    expect(await here.json()).toMatchObject({ error: 'unauthorized', message: `API token ${id} has been revoked` });
    const revokedAt = Date.now();
    await expect.poll(async () => (await inbound(token, other!.url)).status, { timeout: 5_000, interval: 250 }).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
    expect(await slashTicket(desk, 'token list')).toMatch(new RegExp(`• ${id} · .*:no_entry: revoked`));
    expect(await slashTicket(desk, 'token revoke 99999')).toBe('There is no API token 99999.');
  });

  it('a burst over the rate limit gets 429 with Retry-After, per token', async () => {
    const { token } = await newToken('read', 'runaway');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const response = await call(desk.app.url, token, 'GET', '/api/v1/tickets/1');
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(await response.json()).toMatchObject({ error: 'rate_limited' });
      } else await response.body?.cancel();
    }
    // API_RATE_BURST=5 at once, then about 2 per second.
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another token's bucket is its own.
    const { token: calm } = await newToken('read', 'calm');
    expect((await call(desk.app.url, calm, 'GET', '/api/v1/tickets/1')).status).not.toBe(429);
  });

  it('explain their usage to an admin who gets a command wrong', async () => {
    expect(await slashTicket(desk, 'token new write "x"')).toContain('"write" is not a scope (intake, read or admin)');
    expect(await slashTicket(desk, 'token new read')).toContain('name the token');
    expect(await slashTicket(desk, 'token revoke abc')).toContain('"abc" is not a token id');
  });
});
