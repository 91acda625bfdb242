import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { ADA, blockText, ESCALATIONS, GRACE, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

const eventsOf = (number: number) =>
  desk.app.db.sql<{ kind: string; actor: string; data: Record<string, unknown> }[]>`
    select e.kind, e.actor, e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${number} order by e.id`;
const click = async (number: number, user: string, actionId: string, value?: string) => {
  const ts = await desk.cardTs(number);
  const delivery = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user, channel: TRIAGE, ts, actionId, ...(value ? { value } : {}) }));
  expect(delivery.status).toBe(200);
};
const card = async (number: number) => blockText(desk.slack.message(TRIAGE, await desk.cardTs(number)));
const cardCount = (number: number) => desk.slack.messages(TRIAGE).filter((m) => JSON.stringify(m.blocks ?? []).includes(`*#${number}*`)).length;

describe('the card\'s buttons and menus', () => {
  it('Claim assigns the clicker, records it with them as actor, and updates the card in place', async () => {
    const number = await desk.write('claim@example.com', 'help me');
    await click(number, ADA, CARD_ACTIONS.claim);
    // The click is handled by a job (its worker polls every half second): as long as the card's update below.
    await expect.poll(async () => (await desk.app.tickets.view(number)).assignee, { timeout: 10_000 }).toBe(ADA);
    expect(await eventsOf(number)).toContainEqual(expect.objectContaining({ kind: 'claimed', actor: ADA }));
    await expect.poll(() => card(number), { timeout: 10_000 }).toContain(`*Assignee*\\n<@${ADA}>`);
    expect(await card(number)).not.toContain(CARD_ACTIONS.claim);
    expect(await card(number)).toContain('*Status*\\nOpen');
    expect(cardCount(number)).toBe(1);
  });

  it('lets exactly one of two agents clicking Claim at once have the ticket, and tells the other who has it', async () => {
    const number = await desk.write('race@example.com', 'anyone?');
    const ts = await desk.cardTs(number);
    const payloads = [ADA, GRACE].map((user) => desk.slack.blockActions({ user, channel: TRIAGE, ts, actionId: CARD_ACTIONS.claim }));
    const deliveries = await Promise.all(payloads.map((payload) => desk.slack.http.interaction(desk.eventsUrl, payload)));
    expect(deliveries.map((d) => d.status)).toEqual([200, 200]);
    await expect.poll(async () => (await eventsOf(number)).filter((e) => e.kind === 'claimed'), { timeout: 10_000 }).toHaveLength(1);
    const winner = (await desk.app.tickets.view(number)).assignee!;
    const loser = winner === ADA ? GRACE : ADA;
    await expect.poll(() => desk.slack.ephemerals(loser).map((e) => e.text), { timeout: 10_000 }).toContain(`#${number} is already claimed by <@${winner}>.`);
    expect(desk.slack.ephemerals(winner).filter((e) => e.text.includes(`#${number}`))).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect((await eventsOf(number)).filter((e) => e.kind === 'claimed')).toEqual([expect.objectContaining({ actor: winner })]);
  });

  it('Resolve resolves, and the card then offers Reopen', async () => {
    const number = await desk.write('resolve@example.com', 'fixed itself');
    await click(number, GRACE, CARD_ACTIONS.resolve);
    await expect.poll(async () => (await desk.app.tickets.view(number)).status).toBe('resolved');
    expect(await eventsOf(number)).toContainEqual(expect.objectContaining({ kind: 'status', actor: GRACE, data: { from: 'new', to: 'resolved' } }));
    await expect.poll(() => card(number), { timeout: 10_000 }).toContain('*Status*\\nResolved');
    expect(await card(number)).toContain(CARD_ACTIONS.reopen);
  });

  it('the priority menu sets the priority', async () => {
    const number = await desk.write('priority@example.com', 'it is urgent');
    await click(number, ADA, CARD_ACTIONS.priority, 'urgent');
    await expect.poll(async () => (await desk.app.tickets.view(number)).priority).toBe('urgent');
    expect(await eventsOf(number)).toContainEqual(expect.objectContaining({ kind: 'priority', actor: ADA, data: { from: 'normal', to: 'urgent' } }));
    await expect.poll(() => card(number), { timeout: 10_000 }).toContain(':red_circle: Urgent');
  });

  it('the assignee picker assigns whoever is picked', async () => {
    const number = await desk.write('assign@example.com', 'who can help?');
    await click(number, ADA, CARD_ACTIONS.assign, GRACE);
    await expect.poll(async () => (await desk.app.tickets.view(number)).assignee).toBe(GRACE);
    expect(await eventsOf(number)).toContainEqual(expect.objectContaining({ kind: 'assigned', actor: ADA, data: { from: null, to: GRACE } }));
    await expect.poll(() => card(number), { timeout: 10_000 }).toContain(`*Assignee*\\n<@${GRACE}>`);
  });

  it('Escalate asks for a reason, raises the level and posts to the escalation channel with a link to the card', async () => {
    const number = await desk.write('escalate@example.com', 'I want a manager');
    await click(number, ADA, CARD_ACTIONS.escalate);
    await expect.poll(() => desk.slack.views(ADA).filter((v) => v.open && v.view.private_metadata === String(number))).toHaveLength(1);
    const viewId = desk.slack.views(ADA).find((v) => v.view.private_metadata === String(number))!.view.id;
    const submitted = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId, values: { reason: 'threatens to cancel' } }));
    expect(submitted.status).toBe(200);
    expect(desk.slack.views(ADA).find((v) => v.view.id === viewId)!.open).toBe(false);
    expect((await desk.app.tickets.view(number)).escalationLevel).toBe(1);
    expect(await eventsOf(number)).toContainEqual(expect.objectContaining({ kind: 'escalated', actor: ADA, data: { level: 1, reason: 'threatens to cancel' } }));
    const ts = await desk.cardTs(number);
    await expect.poll(() => desk.slack.messages(ESCALATIONS).map((m) => m.text), { timeout: 10_000 }).toContain(
      `:arrow_double_up: <https://switchboard-test.slack.com/archives/${TRIAGE}/p${ts.replace('.', '')}|#${number}> (escalate@example.com) was escalated by <@${ADA}> to level 1: threatens to cancel`,
    );
    await expect.poll(() => card(number), { timeout: 10_000 }).toContain('level 1');
  });

  it('keeps the modal open with the reason when an escalation is refused', async () => {
    const number = await desk.write('closed-escalate@example.com', 'bye');
    await click(number, ADA, CARD_ACTIONS.escalate);
    await expect.poll(() => desk.slack.views(ADA).filter((v) => v.open && v.view.private_metadata === String(number))).toHaveLength(1);
    const viewId = desk.slack.views(ADA).find((v) => v.view.private_metadata === String(number))!.view.id;
    await desk.app.tickets.transition(number, 'close', GRACE);
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId, values: { reason: 'too late' } }));
    expect(desk.slack.views(ADA).find((v) => v.view.id === viewId)).toMatchObject({ open: true, errors: { reason: `#${number} is closed.` } });
    expect((await desk.app.tickets.view(number)).escalationLevel).toBe(0);
  });
});
