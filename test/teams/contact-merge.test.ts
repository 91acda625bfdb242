/**
 * Merging contacts (issue 17): `/ticket contact merge A B` moves A's identities and tickets to B
 * and combines their attributes; the merge is undone from its event (`/ticket contact unmerge
 * EVENT`, or the confirmation's Undo button) until the customer writes again from what moved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTACT_UNMERGE_ACTION } from '../../src/slack/commands.ts';
import { TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { ADA, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';

let desk: SlackDesk;

beforeAll(async () => {
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
});

const contactOf = async (number: number) => (await desk.app.db.sql<{ contactId: number }[]>`select contact_id from tickets where number = ${number}`)[0]!.contactId;
const contactRow = async (id: number) =>
  (await desk.app.db.sql<{ tags: string[]; custom: Record<string, unknown>; mergedInto: number | null }[]>`select tags, custom, merged_into from contacts where id = ${id}`)[0]!;
const addressesOf = async (id: number) => (await desk.app.db.sql<{ address: string }[]>`select address from identities where contact_id = ${id} order by id`).map((r) => r.address);
const ticketsOf = async (id: number) => (await desk.app.db.sql<{ number: number }[]>`select number from tickets where contact_id = ${id} order by number`).map((r) => r.number);
const eventOf = (answer: string) => /\(event (\d+)\)/.exec(answer)?.[1];

/** Two contacts of one person, each with a ticket and attributes of its own. */
async function twoContacts(name: string): Promise<{ a: number; b: number; ticketA: number; ticketB: number }> {
  const ticketA = await desk.write(`${name}@home.example`, 'from home');
  const ticketB = await desk.write(`${name}@work.example`, 'from work');
  await slashTicket(desk, `contact ${ticketA} vip plan=gold seats=3`);
  await slashTicket(desk, `contact ${ticketB} beta plan=silver`);
  return { a: await contactOf(ticketA), b: await contactOf(ticketB), ticketA, ticketB };
}

describe('/ticket contact merge A B', () => {
  it('moves identities and tickets into one contact, combines tags and fields, records an event, and unmerge undoes it all', async () => {
    const { a, b, ticketA, ticketB } = await twoContacts('nia');
    const answer = await slashTicket(desk, `contact merge ${a} ${b}`);
    const event = eventOf(answer);
    expect(answer).toBe(
      `Contact ${a} is merged into contact ${b}: 1 address and 1 ticket moved, tags and fields combined (event ${event}). Until the customer writes again from a moved address, \`/ticket contact unmerge ${event}\` undoes it.`,
    );
    expect(await addressesOf(b)).toEqual(['nia@home.example', 'nia@work.example']);
    expect(await addressesOf(a)).toEqual([]);
    expect(await ticketsOf(b)).toEqual([ticketA, ticketB].sort((x, y) => x - y));
    // The contact merged into keeps its own values, and gains the other's.
    expect(await contactRow(b)).toEqual({ tags: ['beta', 'vip'], custom: { plan: 'silver', seats: '3' }, mergedInto: null });
    expect((await contactRow(a)).mergedInto).toBe(b);
    const [recorded] = await desk.app.db.sql<{ actor: string; data: Record<string, unknown> }[]>`select actor, data from events where id = ${event!}::bigint and kind = 'contact-merged'`;
    expect(recorded).toMatchObject({ actor: ADA, data: { from: a, into: b, before: { tags: ['beta'], custom: { plan: 'silver' } } } });
    expect(await slashTicket(desk, `contact ${ticketA}`)).toContain(`(contact ${b}, of #${ticketA})`);
    const api = (id: number) => fetch(`${desk.app.url}/api/v1/contacts/${id}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } }).then((r) => r.json());
    expect(await api(a)).toMatchObject({ id: a, identities: [], tickets: { total: 0, open: 0 }, mergedInto: b });
    expect(await api(b)).toMatchObject({ id: b, tickets: { total: 2, open: 2 }, mergedInto: null });

    const undone = await slashTicket(desk, `contact unmerge ${event}`);
    expect(undone).toMatch(new RegExp(`^The merge is undone: contact ${a} has its 1 address and 1 ticket back, and contact ${b} its own tags and fields \\(event \\d+\\)\\.$`));
    expect(await addressesOf(a)).toEqual(['nia@home.example']);
    expect(await addressesOf(b)).toEqual(['nia@work.example']);
    expect(await ticketsOf(a)).toEqual([ticketA]);
    expect(await contactRow(b)).toEqual({ tags: ['beta'], custom: { plan: 'silver' }, mergedInto: null });
    expect((await contactRow(a)).mergedInto).toBeNull();
    expect(await slashTicket(desk, `contact unmerge ${event}`)).toBe(`The merge of contact ${a} into ${b} (event ${event}) was undone already.`);
    // The customer's next message from the home address is the home contact's again.
    expect(await desk.write('nia@home.example', 'still here')).toBe(ticketA);
  });

  it("lands the customer's next message from a moved address on the merged contact, and then refuses the undo", async () => {
    const { a, b, ticketA } = await twoContacts('omar');
    const event = eventOf(await slashTicket(desk, `contact merge ${a} ${b}`));
    expect(await desk.write('omar@home.example', 'one more thing')).toBe(ticketA);
    expect(await contactOf(ticketA)).toBe(b);
    expect(await slashTicket(desk, `contact unmerge ${event}`)).toBe(
      `The merge of contact ${a} into ${b} can no longer be undone: the customer has written from a moved address since.`,
    );
    expect(await addressesOf(b)).toHaveLength(2);
    expect((await contactRow(a)).mergedInto).toBe(b);
  });

  it('undoes from the Undo button on the confirmation, which then says so in its place; a refusal is told beside it', async () => {
    const click = (ts: string) => desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts, actionId: CONTACT_UNMERGE_ACTION }));
    const { a, b } = await twoContacts('pia');
    await slashTicket(desk, `contact merge ${a} ${b}`);
    const confirmation = desk.slack.ephemerals(ADA).at(-1)!;
    expect(JSON.stringify(confirmation.blocks)).toContain(`"action_id":"${CONTACT_UNMERGE_ACTION}"`);
    expect((await click(confirmation.ts)).status).toBe(200);
    await expect.poll(() => desk.slack.ephemerals(ADA).find((e) => e.ts === confirmation.ts)?.text, { timeout: 10_000 }).toMatch(/^The merge is undone: contact \d+ has its 1 address/);
    expect(desk.slack.ephemerals(ADA).find((e) => e.ts === confirmation.ts)?.blocks).toBeUndefined();
    expect(await addressesOf(a)).toEqual(['pia@home.example']);

    const other = await twoContacts('rui');
    await slashTicket(desk, `contact merge ${other.a} ${other.b}`);
    const kept = desk.slack.ephemerals(ADA).at(-1)!;
    await desk.write('rui@home.example', 'hello again');
    const seen = desk.slack.ephemerals(ADA).length;
    await click(kept.ts);
    await expect.poll(() => desk.slack.ephemerals(ADA).length, { timeout: 10_000 }).toBe(seen + 1);
    expect(desk.slack.ephemerals(ADA).at(-1)!.text).toContain('can no longer be undone: the customer has written from a moved address since');
    expect(desk.slack.ephemerals(ADA).find((e) => e.ts === kept.ts)?.text).toBe(kept.text);
    expect(await addressesOf(other.b)).toHaveLength(2);
  });

  it('refuses an unknown contact, the same contact, a contact merged already, bad syntax and an unknown event, changing nothing', async () => {
    const { a, b } = await twoContacts('quin');
    expect(await slashTicket(desk, `contact merge ${a} 999999`)).toBe('There is no contact 999999.');
    expect(await slashTicket(desk, `contact merge ${a} ${a}`)).toBe(`contact ${a} cannot be merged into itself. Usage: \`/ticket contact merge A B (contact ids: A goes into B)\``);
    expect(await slashTicket(desk, `contact merge ${a}`)).toBe("give two contact ids (`/ticket contact N` shows a ticket's). Usage: `/ticket contact merge A B (contact ids: A goes into B)`");
    expect(await slashTicket(desk, 'contact unmerge soon')).toBe("give the number of the merge's event. Usage: `/ticket contact unmerge EVENT`");
    expect(await slashTicket(desk, 'contact unmerge 999999999')).toBe('Event 999999999 is not a contact merge.');
    expect(await addressesOf(a)).toEqual(['quin@home.example']);
    expect(await addressesOf(b)).toEqual(['quin@work.example']);

    await slashTicket(desk, `contact merge ${a} ${b}`);
    expect(await slashTicket(desk, `contact merge ${a} ${b}`)).toBe(`Contact ${a} was merged into contact ${b} already.`);
    expect(await slashTicket(desk, `contact merge ${b} ${a}`)).toBe(`Contact ${a} was merged into contact ${b}: merge into that one.`);
  });
});
