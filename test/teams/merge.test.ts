/**
 * Merging tickets (issue 17): `/ticket merge N M` and the card's "Merge into…" menu move every
 * message of #N to #M, close #N pointing at #M, show #N's conversation in #M's thread, and the
 * customer's next message on #N's conversation lands on #M.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFactRows } from '../../src/sla/sla-sql.ts';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { ADA, blockText, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';

let desk: SlackDesk;

beforeAll(async () => {
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
});

const ticketRow = async (number: number) =>
  (await desk.app.db.sql<{ id: number; status: string; mergedInto: number | null }[]>`select id, status, merged_into from tickets where number = ${number}`)[0]!;
const inboundTexts = async (number: number) =>
  (await desk.app.db.sql<{ text: string }[]>`
    select m.text from messages m join tickets t on t.id = m.ticket_id where t.number = ${number} and m.direction = 'inbound' order by m.seq`).map((r) => r.text);
const getTicket = async (number: number) =>
  fetch(`${desk.app.url}/api/v1/tickets/${number}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });

describe('/ticket merge N M', () => {
  it('leaves one open ticket holding every message in order, and the customer\'s next message on N\'s conversation lands on M', async () => {
    const from = 'ivy@example.com';
    const n = await desk.write(from, 'N1: my invoice is wrong', { conversation: 'ivy-billing' });
    const m = await desk.write(from, 'M1: and my login fails', { conversation: 'ivy-login' });
    expect(await desk.write(from, 'N2: invoice 1234 to be precise', { conversation: 'ivy-billing' })).toBe(n);
    expect(await desk.write(from, 'M2: since yesterday', { conversation: 'ivy-login' })).toBe(m);
    expect(m).not.toBe(n);
    await expect.poll(async () => (await desk.thread(n)).length, { timeout: 15_000 }).toBe(1);
    await expect.poll(async () => (await desk.thread(m)).length, { timeout: 15_000 }).toBe(1);

    const answer = await slashTicket(desk, `merge ${n} ${m}`);
    expect(answer).toBe(`#${n} is merged into #${m}: its 2 messages moved there, and the customer's next messages on its conversation land on #${m}. #${n} is closed.`);

    // One open ticket, holding every message in arrival order; #N closed, pointing at #M.
    expect(await inboundTexts(m)).toEqual(['N1: my invoice is wrong', 'M1: and my login fails', 'N2: invoice 1234 to be precise', 'M2: since yesterday']);
    expect(await inboundTexts(n)).toEqual([]);
    const [open] = await desk.app.db.sql<{ count: number }[]>`
      select count(*)::int from tickets where contact_id = (select contact_id from tickets where number = ${m}) and status <> 'closed'`;
    expect(open!.count).toBe(1);
    expect(await ticketRow(n)).toMatchObject({ status: 'closed', mergedInto: (await ticketRow(m)).id });

    // The audit trail: merged on #N, merged-in on #M, and #N's last status event says merged.
    const events = await desk.app.db.sql<{ number: number; kind: string; actor: string; data: Record<string, unknown> }[]>`
      select t.number, e.kind, e.actor, e.data from events e join tickets t on t.id = e.ticket_id
      where t.number in (${n}, ${m}) and e.kind in ('merged', 'merged-in', 'status') order by e.id`;
    expect(events.filter((e) => e.kind !== 'status')).toEqual([
      { number: n, kind: 'merged', actor: ADA, data: { into: m, intoTicketId: (await ticketRow(m)).id, messages: 2 } },
      { number: m, kind: 'merged-in', actor: ADA, data: { from: n, fromTicketId: (await ticketRow(n)).id, messages: 2 } },
    ]);
    expect(events.filter((e) => e.kind === 'status' && e.number === n).at(-1)).toMatchObject({ actor: ADA, data: { to: 'closed', reason: 'merged' } });

    // Each ticket's SLA history (and so the reports) keeps the messages written on it.
    const facts = async (number: number) => (await listFactRows(desk.app.db.sql, (await ticketRow(number)).id)).map((f) => f.kind);
    expect(await facts(n)).toEqual(['created', 'inbound', 'inbound', 'status']);
    expect(await facts(m)).toEqual(['created', 'inbound', 'inbound']);

    // #M's thread shows #N's conversation, marked as from #N, after its own; #N's thread points at #M.
    await expect.poll(async () => (await desk.thread(m)).map((p) => p.text ?? ''), { timeout: 15_000 }).toEqual([
      expect.stringContaining('M2: since yesterday'),
      `:twisted_rightwards_arrows: #${n} was merged into this ticket by <@${ADA}>; its conversation follows.`,
      `_from #${n}_ · N1: my invoice is wrong\nN2: invoice 1234 to be precise`,
    ]);
    await expect.poll(async () => (await desk.thread(n)).at(-1)?.text, { timeout: 15_000 }).toBe(
      `:twisted_rightwards_arrows: <@${ADA}> merged this ticket into #${m}: its messages and the customer's next ones are there now.`,
    );
    // Both cards follow.
    await expect.poll(async () => blockText(desk.slack.message(TRIAGE, await desk.cardTs(n))), { timeout: 15_000 }).toContain(`Merged into *#${m}*`);
    expect(blockText(desk.slack.message(TRIAGE, await desk.cardTs(n)))).toContain(`Closed (merged into #${m})`);
    await expect.poll(async () => blockText(desk.slack.message(TRIAGE, await desk.cardTs(m))), { timeout: 15_000 }).toContain(`Merged in: #${n}`);

    // The customer writes again on #N's conversation: it lands on #M, and in #M's thread.
    expect(await desk.write(from, 'N3: any news on the invoice?', { conversation: 'ivy-billing' })).toBe(m);
    expect((await inboundTexts(m)).at(-1)).toBe('N3: any news on the invoice?');
    await expect.poll(async () => (await desk.thread(m)).at(-1)?.text ?? '', { timeout: 15_000 }).toBe('N3: any news on the invoice?');

    // A repeat of the command changes nothing; a reply in #N's old thread is pointed to #M.
    expect(await slashTicket(desk, `merge ${n} ${m}`)).toBe(`#${n} is merged into #${m} already.`);
    expect(await inboundTexts(m)).toHaveLength(5);
    const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(n), text: 'replying in the old thread' });
    await desk.slack.http.event(desk.eventsUrl, event);
    await expect.poll(() => desk.slack.ephemerals(ADA).map((e) => e.text), { timeout: 10_000 }).toContain(`Not sent to the customer: #${n} was merged into #${m}: reply there.`);
    expect(await slashTicket(desk, `show ${n}`)).toContain(`closed (merged into #${m})`);

    // The API says where #N went, and which messages came from it.
    const shown = await (await getTicket(n)).json();
    expect(shown).toMatchObject({ number: n, status: 'closed', mergedInto: m, messages: [] });
    const into = (await (await getTicket(m)).json()) as { mergedFrom: number[]; messages: { direction: string; mergedFrom: number | null }[] };
    expect(into.mergedFrom).toEqual([n]);
    expect(into.messages.filter((msg) => msg.direction === 'inbound').map((msg) => msg.mergedFrom)).toEqual([n, null, n, null, null]);
  });

  it("follows merges on merges: a conversation merged twice lands on the last ticket, whose thread marks each message with the ticket it was written on", async () => {
    const from = 'mo@example.com';
    const a = await desk.write(from, 'A: first', { conversation: 'mo-a' });
    const b = await desk.write(from, 'B: second', { conversation: 'mo-b' });
    const c = await desk.write(from, 'C: third', { conversation: 'mo-c' });
    await slashTicket(desk, `merge ${a} ${b}`);
    await slashTicket(desk, `merge ${b} ${c}`);
    expect(await inboundTexts(c)).toEqual(['A: first', 'B: second', 'C: third']);
    await expect.poll(async () => (await desk.thread(c)).map((p) => p.text ?? ''), { timeout: 15_000 }).toEqual([
      `:twisted_rightwards_arrows: #${b} was merged into this ticket by <@${ADA}>; its conversation follows.`,
      `_from #${a}_ · A: first`,
      `_from #${b}_ · B: second`,
    ]);
    expect(await desk.write(from, 'A: hello?', { conversation: 'mo-a' })).toBe(c);
    expect(await desk.write(from, 'B: hello?', { conversation: 'mo-b' })).toBe(c);
  });

  it('merges from the card\'s "Merge into…" menu through a modal, and shows a refusal in the modal', async () => {
    const n = await desk.write('jack@example.com', 'first thing', { conversation: 'jack-1' });
    const m = await desk.write('jack@example.com', 'second thing', { conversation: 'jack-2' });
    const ts = await desk.cardTs(n);
    const clicked = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts, actionId: CARD_ACTIONS.more, value: 'merge' }));
    expect(clicked.status).toBe(200);
    await expect.poll(() => desk.slack.views(ADA).filter((v) => v.open).length, { timeout: 10_000 }).toBe(1);
    const viewId = desk.slack.views(ADA).find((v) => v.open)!.view.id;

    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId, values: { into: String(n) } }));
    expect(desk.slack.views(ADA).find((v) => v.view.id === viewId)).toMatchObject({ open: true, errors: { into: `#${n} cannot be merged into itself.` } });
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId, values: { into: 'soon' } }));
    expect(desk.slack.views(ADA).find((v) => v.view.id === viewId)!.errors).toEqual({ into: `"soon" is not a ticket number: type the number of the ticket to merge #${n} into` });

    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId, values: { into: `#${m}` } }));
    expect(desk.slack.views(ADA).find((v) => v.view.id === viewId)!.open).toBe(false);
    expect(await ticketRow(n)).toMatchObject({ status: 'closed', mergedInto: (await ticketRow(m)).id });
    expect(await inboundTexts(m)).toEqual(['first thing', 'second thing']);
  });

  it('refuses an unknown ticket, the same ticket, a resolved or closed target, another contact\'s ticket, and bad syntax, changing nothing', async () => {
    const a = await desk.write('kim@example.com', 'one', { conversation: 'kim-1' });
    const b = await desk.write('kim@example.com', 'two', { conversation: 'kim-2' });
    const other = await desk.write('lou@example.com', 'not kim');
    expect(await slashTicket(desk, `merge ${a} 999999`)).toBe('There is no ticket #999999.');
    expect(await slashTicket(desk, `merge 999999 ${a}`)).toBe('There is no ticket #999999.');
    expect(await slashTicket(desk, `merge ${a} ${a}`)).toBe(`#${a} cannot be merged into itself. Usage: \`/ticket merge N M\``);
    expect(await slashTicket(desk, `merge ${a}`)).toBe(`say which ticket to merge #${a} into. Usage: \`/ticket merge N M\``);
    expect(await slashTicket(desk, 'merge x 2')).toBe('"x" is not a ticket number. Usage: `/ticket merge N M`');
    expect(await slashTicket(desk, `merge ${a} ${other}`)).toContain(`#${a} and #${other} are from different contacts: merge the contacts first`);
    await slashTicket(desk, `resolve ${b}`);
    expect(await slashTicket(desk, `merge ${a} ${b}`)).toBe(`#${b} is resolved: merge into a ticket that is still open, or reopen it first.`);
    await slashTicket(desk, `close ${b}`);
    expect(await slashTicket(desk, `merge ${a} ${b}`)).toBe(`#${b} is closed: merge into a ticket that is still open.`);
    expect(await slashTicket(desk, `merge ${b} ${a}`)).toBe(`#${b} is closed: there is nothing to merge.`);
    expect(await ticketRow(a)).toMatchObject({ status: 'new', mergedInto: null });
    expect(await inboundTexts(a)).toEqual(['one']);
    const merges = await desk.app.db.sql`select 1 from events e join tickets t on t.id = e.ticket_id where t.number in (${a}, ${b}, ${other}) and e.kind in ('merged', 'merged-in')`;
    expect(merges).toHaveLength(0);
  });
});
