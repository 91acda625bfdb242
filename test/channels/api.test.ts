import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, TEST_API_TOKEN, type TestSwitchboard } from '../helpers/switchboard.ts';

let app: TestSwitchboard;
beforeAll(async () => {
  app = await startTestSwitchboard();
});
afterAll(() => app?.close());

const rows = async () => {
  const [row] = await app.db.sql<{ contacts: number; tickets: number; messages: number; events: number }[]>`
    select (select count(*)::int from contacts) as contacts, (select count(*)::int from tickets) as tickets,
           (select count(*)::int from messages) as messages, (select count(*)::int from events) as events`;
  return row!;
};

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.url}/api/v1/inbound`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as { error: string; message: string; field?: string } };
}

describe('API channel errors, each with nothing stored', () => {
  const valid = JSON.stringify({ id: 'e-1', from: 'err', text: 'hello' });

  it.each([
    ['a missing token', () => post(valid, { authorization: '' }), 401, 'unauthorized', /missing Authorization/],
    ['a wrong token', () => post(valid, { authorization: 'Bearer not-the-token-at-all' }), 401, 'unauthorized', /wrong bearer token \(not API_CHANNEL_TOKEN\)/],
    ['malformed JSON', () => post('{"id": "e-1", "from": '), 400, 'invalid_request', /not valid JSON/],
    ['a body that is not an object', () => post('["e-1"]'), 400, 'invalid_request', /JSON object/],
    ['a missing field', () => post(JSON.stringify({ id: 'e-1', from: 'err' })), 422, 'invalid_field', /^text is required$/],
    ['an invalid field', () => post(JSON.stringify({ id: 42, from: 'err', text: 'x' })), 422, 'invalid_field', /^id: /],
    ['a message with neither text nor files', () => post(JSON.stringify({ id: 'e-1', from: 'err', text: '  ' })), 422, 'invalid_field', /^text: a message needs text or at least one attachment$/],
    ['an unknown field', () => post(JSON.stringify({ id: 'e-1', from: 'err', text: 'x', colour: 'red' })), 422, 'invalid_field', /colour/],
    ['a body over 1 MiB', () => post(JSON.stringify({ id: 'e-1', from: 'err', text: 'x'.repeat(1024 * 1024) })), 413, 'body_too_large', /larger than 1048576 bytes/],
  ])('answers %s with a JSON error', async (_, send, status, code, message) => {
    const before = await rows();
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.json.error).toBe(code);
    expect(answer.json.message).toMatch(message);
    expect(await rows()).toEqual(before);
  });

  it('names the field at fault', async () => {
    const answer = await post(JSON.stringify({ id: 'e-1', text: 'x' }));
    expect(answer.json).toMatchObject({ error: 'invalid_field', field: 'from', message: 'from is required' });
  });

  it('answers an unknown ticket with 404, a bad number with 400, and a missing token with 401', async () => {
    const get = (path: string, token = TEST_API_TOKEN) => fetch(`${app.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const unknown = await get('/api/v1/tickets/999999');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found', message: 'there is no ticket #999999' });
    expect((await get('/api/v1/tickets/abc')).status).toBe(400);
    expect((await get('/api/v1/tickets/1', '')).status).toBe(401);
  });

  it('answers a valid message with its ticket, and the ticket API shows it', async () => {
    const answer = await post(JSON.stringify({ id: 'ok-1', from: 'ok@example.com', name: 'Ok', conversation: 'order-7', text: 'where is it?' }));
    expect(answer.status).toBe(200);
    const { ticket, message, duplicate } = answer.json as unknown as { ticket: number; message: string; duplicate: boolean };
    expect(duplicate).toBe(false);
    const view = (await (await fetch(`${app.url}/api/v1/tickets/${ticket}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } })).json()) as { createdAt: unknown };
    expect(view).toMatchObject({
      number: ticket,
      status: 'new',
      priority: 'normal',
      assignee: null,
      channel: 'api',
      conversation: 'order-7',
      escalationLevel: 0,
      contact: { name: 'Ok', identities: [{ kind: 'api', address: 'ok@example.com' }] },
      messages: [{ id: message, direction: 'inbound', text: 'where is it?', externalId: 'ok-1', delivery: null }],
    });
    expect(typeof view.createdAt).toBe('string');
  });

  it('stores files sent as base64 once, by content', async () => {
    const data = Buffer.from('%PDF-1.4 invoice').toString('base64');
    const body = (id: string) => JSON.stringify({ id, from: 'files', text: 'see attached', attachments: [{ name: 'invoice.pdf', contentType: 'application/pdf', data }] });
    const first = await post(body('f-1'));
    await post(body('f-2'));
    const view = await app.tickets.view((first.json as unknown as { ticket: number }).ticket);
    expect(view.messages.map((m) => m.attachments)).toEqual([
      [{ name: 'invoice.pdf', contentType: 'application/pdf', size: 16 }],
      [{ name: 'invoice.pdf', contentType: 'application/pdf', size: 16 }],
    ]);
    const refs = await app.db.sql<{ ref: string }[]>`select distinct attachments->0->>'ref' as ref from messages where external_id in ('f-1', 'f-2')`;
    expect(refs).toHaveLength(1);
  });
});
