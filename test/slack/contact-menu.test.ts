import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { CONTACT_VIEW } from '../../src/slack/contact-modal.ts';
import { ADA, blockText, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

const card = async (number: number) => blockText(desk.slack.message(TRIAGE, await desk.cardTs(number)));

/** Ada presses the card's Contact… button; resolves with the modal's view id once it is open. */
async function openContactModal(number: number): Promise<string> {
  const seen = new Set(desk.slack.views(ADA).map((v) => v.view.id));
  const clicked = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts: await desk.cardTs(number), actionId: CARD_ACTIONS.contact }));
  expect(clicked.status).toBe(200);
  const opened = () => desk.slack.views(ADA).find((v) => v.open && !seen.has(v.view.id) && v.view.callback_id === CONTACT_VIEW);
  await expect.poll(opened, { timeout: 10_000 }).toBeDefined();
  return opened()!.view.id;
}

async function submit(viewId: string, values: Record<string, string>) {
  const submitted = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId, values }));
  expect(submitted.status).toBe(200);
  return desk.slack.views(ADA).find((v) => v.view.id === viewId)!;
}

describe("the card's Contact… menu", () => {
  it("opens a modal with the contact's tags and custom fields, and saving sets them as /ticket contact does, shown on the card", async () => {
    const number = await desk.write('menu@example.com', 'hello', { name: 'Mona' });
    await desk.cardTs(number);
    const contactId = await desk.app.tickets.contactOfTicket(number);
    await desk.app.tickets.updateContact(contactId, { tags: ['beta'], custom: { plan: 'silver', seats: 5 } }, ADA);

    const viewId = await openContactModal(number);
    const modal = JSON.stringify(desk.slack.views(ADA).find((v) => v.view.id === viewId)!.view.blocks);
    expect(modal).toContain('"initial_value":"beta"');
    expect(modal).toContain('"initial_value":"plan=silver\\nseats=5"');

    // vip added, plan changed, seats left as shown (a number stays one), region added.
    const after = await submit(viewId, { tags: 'beta, VIP', custom: 'plan=gold\nseats=5\nregion=emea' });
    expect(after.open).toBe(false);
    expect(await desk.app.tickets.contact(contactId)).toMatchObject({ tags: ['beta', 'vip'], custom: { plan: 'gold', seats: 5, region: 'emea' } });
    const [event] = await desk.app.db.sql<{ actor: string }[]>`
      select e.actor from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'contact-updated' order by e.id desc limit 1`;
    expect(event!.actor).toBe(ADA);
    await expect.poll(() => card(number), { timeout: 10_000 }).toContain('plan: gold');
    expect(await card(number)).toContain('`vip`');
  });

  it('removes a tag or a field whose line is gone, and keeps the rest untouched', async () => {
    const number = await desk.write('menu-remove@example.com', 'hi');
    await desk.cardTs(number);
    const contactId = await desk.app.tickets.contactOfTicket(number);
    await desk.app.tickets.updateContact(contactId, { tags: ['vip', 'spam'], custom: { plan: 'gold', account: 'A-1' } }, ADA);
    const viewId = await openContactModal(number);
    await submit(viewId, { tags: 'vip', custom: 'account=A-1' });
    expect(await desk.app.tickets.contact(contactId)).toMatchObject({ tags: ['vip'], custom: { account: 'A-1' } });
  });

  it('keeps the modal open, naming the problem, for a line that is not field=value or a tag that is not one, and changes nothing', async () => {
    const number = await desk.write('menu-bad@example.com', 'hi');
    await desk.cardTs(number);
    const contactId = await desk.app.tickets.contactOfTicket(number);
    const viewId = await openContactModal(number);
    expect(await submit(viewId, { tags: 'vip', custom: 'plan=gold\njust words' })).toMatchObject({ open: true, errors: { custom: 'Line 2 is not field=value.' } });
    expect(await submit(viewId, { tags: 'ok !!bad' })).toMatchObject({ open: true, errors: { tags: expect.stringContaining('"!!bad" is not a tag') } });
    expect(await desk.app.tickets.contact(contactId)).toMatchObject({ tags: [], custom: {} });
  });
});
