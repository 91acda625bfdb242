/**
 * Contact attributes: tags and custom fields set over the API and from Slack, shown on the
 * card, and read by routing rules (a VIP tag) when the contact opens a new ticket.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { blockText, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';

let dir: string;
let desk: SlackDesk;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-contacts-'));
  const file = path.join(dir, 'switchboard.yml');
  await writeFile(file, `rules:\n  - name: VIP customers\n    when: { tag: vip }\n    then: { priority: urgent, tags: [vip] }\n`);
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SWITCHBOARD_CONFIG: file, SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await rm(dir, { recursive: true, force: true });
});

const api = (method: string, id: string | number, body?: unknown, token = TEST_API_TOKEN) =>
  fetch(`${desk.app.url}/api/v1/contacts/${id}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const contactOf = async (number: number) => (await desk.app.db.sql<{ contactId: number }[]>`select contact_id from tickets where number = ${number}`)[0]!.contactId;

describe('contacts over the API', () => {
  it('GET shows the contact, its identities and ticket counts; PATCH sets tags and merges custom fields', async () => {
    const number = await desk.write('ada@example.com', 'hello');
    const id = await contactOf(number);
    const shown = await api('GET', id);
    expect(shown.status).toBe(200);
    expect(await shown.json()).toEqual({ id, name: 'ada@example.com', tags: [], custom: {}, identities: [{ kind: 'api', address: 'ada@example.com' }], tickets: { total: 1, open: 1 }, mergedInto: null });

    const patched = await api('PATCH', id, { tags: ['VIP', 'beta'], custom: { plan: 'gold', seats: 12 } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ tags: ['vip', 'beta'], custom: { plan: 'gold', seats: 12 } });
    const again = await api('PATCH', id, { custom: { seats: null, region: 'eu' } });
    expect(await again.json()).toMatchObject({ tags: ['vip', 'beta'], custom: { plan: 'gold', region: 'eu' } });
  });

  it('refuses a wrong token, an unknown contact and a malformed body, naming what is wrong and changing nothing', async () => {
    const id = await contactOf(await desk.write('bob@example.com', 'hi'));
    expect((await api('GET', id, undefined, 'wrong-token-0123456789')).status).toBe(401);
    const missing = await api('GET', 999_999);
    expect(missing.status).toBe(404);
    const bad = await api('PATCH', id, { tags: 'vip' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ message: expect.stringContaining('tags') });
    const unknown = await api('PATCH', id, { colour: 'blue' });
    expect(unknown.status).toBe(400);
    expect((await api('PATCH', id, '{not json')).status).toBe(400);
    expect(await (await api('GET', id)).json()).toMatchObject({ tags: [], custom: {} });
  });
});

describe('contacts from Slack', () => {
  it('/ticket contact N vip plan=gold tags the contact, and the card shows it', async () => {
    const number = await desk.write('cleo@example.com', 'Where is my order?');
    await desk.cardTs(number);
    const answer = await slashTicket(desk, `contact ${number} vip plan=gold`);
    expect(answer).toContain('Tags: `vip` · plan: gold');
    await expect.poll(async () => blockText(desk.slack.message(TRIAGE, await desk.cardTs(number))), { timeout: 15_000 }).toContain('*Contact*\\n`vip` · plan: gold');
    expect(await slashTicket(desk, `contact ${number} -vip plan=`)).toContain('Tags: _no tags_');
  });

  it("routes a VIP contact's next ticket by the VIP rule, and the card counts the earlier tickets", async () => {
    const first = await desk.write('dana@example.com', 'first question');
    await slashTicket(desk, `contact ${first} vip`);
    await slashTicket(desk, `close ${first}`);
    const second = await desk.write('dana@example.com', 'a new question, after the first was closed');
    expect(second).not.toBe(first);
    const [ticket] = await desk.app.db.sql<{ priority: string; tags: string[]; routedBy: string[] }[]>`select priority, tags, routed_by from tickets where number = ${second}`;
    expect(ticket).toEqual({ priority: 'urgent', tags: ['vip'], routedBy: ['VIP customers'] });
    const card = blockText(desk.slack.message(TRIAGE, await desk.cardTs(second)));
    expect(card).toContain('routed by rule “VIP customers”');
    expect(card).toContain('1 earlier ticket');
  });
});
