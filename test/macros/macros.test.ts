/**
 * Macros (issue 18) as agents use them in Slack and the customer receives them: the API
 * channel's customer app, the Slack emulator driving `/ticket macro`, the card's "Reply with
 * macro…" modal and the thread's message shortcut, and a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deskFile } from '../customer/helpers.ts';
import { ADA, GRACE, TRIAGE, slashTicket, startSlackDesk, type SlackDesk } from '../slack/helpers.ts';

const MACROS = `macros:
  - name: refund-sent
    text: "Hi {{customer.name}}, the refund for #{{ticket.number}} is on its way. {{ agent.name }}"
    status: pending
    priority: high
    tags: [refund, Billing]
  - name: thanks
    text: "Thank you, {{customer.name}}!"
`;

let desk: SlackDesk;
let config: Awaited<ReturnType<typeof deskFile>>;

beforeAll(async () => {
  config = await deskFile(MACROS);
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SWITCHBOARD_CONFIG: config.file, SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await config?.remove();
});

const received = (to: string) => desk.customer.delivered().filter((reply) => reply.to === to).map((reply) => reply.text);
const ticketOf = async (number: number) => (await desk.app.db.sql<{ status: string; priority: string; tags: string[]; assignee: string | null }[]>`select status, priority, tags, assignee from tickets where number = ${number}`)[0]!;
const outbound = async (number: number) =>
  desk.app.db.sql<{ text: string; author: string }[]>`select m.text, m.author from messages m join tickets t on t.id = m.ticket_id where t.number = ${number} and m.direction = 'outbound' order by seq`;
const openModal = (user = ADA) => desk.slack.views(user).filter((v) => v.open).at(-1);

describe('/ticket macro N NAME', () => {
  it('sends the filled text once and applies its status, priority and tags', async () => {
    const number = await desk.write('nora@example.com', 'Where is my refund?', { name: 'Nora Jones' });
    await desk.cardTs(number);
    const fields = desk.slack.slashCommand({ user: ADA, channel: TRIAGE, command: '/ticket', text: `macro ${number} refund-sent` });
    await desk.slack.http.command(desk.eventsUrl, fields);
    // The same invocation delivered again (a retry) sends nothing more.
    await desk.slack.http.command(desk.eventsUrl, fields);
    const answers = desk.slack.ephemerals(ADA).slice(-2).map((e) => e.text);
    expect(answers[0]).toBe(`Sent \`refund-sent\` to #${number} (it sets pending · high priority · tags \`refund\` \`billing\`).`);

    const expected = `Hi Nora Jones, the refund for #${number} is on its way. Ada Lovelace`;
    await expect.poll(() => received('nora@example.com'), { timeout: 15_000 }).toEqual([expected]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received('nora@example.com')).toEqual([expected]);
    expect(await outbound(number)).toEqual([{ text: expected, author: ADA }]);
    expect(await ticketOf(number)).toEqual({ status: 'pending', priority: 'high', tags: ['billing', 'refund'], assignee: ADA });
  });

  it('answers an unknown macro name with the list of macros, and sends nothing', async () => {
    const number = await desk.write('unknown@example.com', 'Hello');
    const answer = await slashTicket(desk, `macro ${number} refund`);
    expect(answer).toBe('There is no macro "refund". The macros: `refund-sent`, `thanks`.');
    expect(await outbound(number)).toEqual([]);
  });

  it('fills in "there" for a customer the desk knows no name of', async () => {
    const from = 'nameless@example.com';
    const { ticket: number } = await desk.app.tickets.ingest({ kind: 'message', channel: 'api', externalId: 'nameless-1', from, conversation: from, text: 'Thanks!', attachments: [] });
    await slashTicket(desk, `macro ${number} thanks`);
    await expect.poll(() => received(from), { timeout: 15_000 }).toEqual(['Thank you, there!']);
  });
});

describe('"Reply with macro…" on the card', () => {
  it('previews the filled text, sends the edited text once, and applies the macro', async () => {
    const number = await desk.write('card@example.com', 'My refund?', { name: 'Cara' });
    const ts = await desk.cardTs(number);
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: GRACE, actionId: 'ticket.macro', channel: TRIAGE, ts }));
    await expect.poll(() => openModal(GRACE)?.view.callback_id, { timeout: 5_000 }).toBe('ticket.macro.reply');
    const modal = openModal(GRACE)!;
    // The picker loads its options as the agent types: by name, then by text.
    const typed = async (value: string) => {
      const answer = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockSuggestion({ user: GRACE, viewId: modal.view.id, actionId: 'macro.pick', value }));
      expect(answer.status).toBe(200);
      return (answer.json as { options: { value: string }[] }).options.map((o) => o.value);
    };
    expect(await typed('')).toEqual(['refund-sent', 'thanks']);
    expect(await typed('thank')).toEqual(['thanks']);
    expect(await typed('on its way')).toEqual(['refund-sent']);

    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: GRACE, actionId: 'macro.pick', viewId: modal.view.id, value: 'refund-sent' }));
    const filled = `Hi Cara, the refund for #${number} is on its way. Grace Hopper`;
    await expect.poll(() => JSON.stringify(openModal(GRACE)?.view.blocks), { timeout: 5_000 }).toContain(filled);
    expect(JSON.stringify(openModal(GRACE)!.view.blocks)).toContain('Sending it also sets pending · high priority');

    const edited = `${filled} It should arrive by Friday.`;
    const submission = desk.slack.viewSubmission({ user: GRACE, viewId: modal.view.id, values: { 'macro.pick': 'refund-sent', text: edited } });
    const first = await desk.slack.http.interaction(desk.eventsUrl, submission);
    expect(first.status).toBe(200);
    expect(desk.slack.views(GRACE).find((v) => v.view.id === modal.view.id)!.open).toBe(false);
    // Delivered twice, sent once.
    await desk.slack.http.interaction(desk.eventsUrl, submission);
    await expect.poll(() => received('card@example.com'), { timeout: 15_000 }).toEqual([edited]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received('card@example.com')).toEqual([edited]);
    expect(await ticketOf(number)).toMatchObject({ status: 'pending', priority: 'high', tags: ['billing', 'refund'], assignee: GRACE });
  });

  it('keeps the modal open with an error when no macro was chosen', async () => {
    const number = await desk.write('nochoice@example.com', 'Hi');
    const ts = await desk.cardTs(number);
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, actionId: 'ticket.macro', channel: TRIAGE, ts }));
    await expect.poll(() => openModal()?.view.callback_id, { timeout: 5_000 }).toBe('ticket.macro.reply');
    const modal = openModal()!;
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId: modal.view.id }));
    const stored = desk.slack.views(ADA).find((v) => v.view.id === modal.view.id)!;
    expect(stored.open).toBe(true);
    expect(stored.errors).toEqual({ macro: 'Choose a macro.' });
    expect(await outbound(number)).toEqual([]);
  });
});

describe('the "Reply with macro" message shortcut', () => {
  it('opens the reply modal for the ticket of the thread it is used in', async () => {
    const number = await desk.write('thread@example.com', 'Question');
    const ts = await desk.cardTs(number);
    // A message in the thread, not delivered as an event: the shortcut is used on it.
    const { message } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: 'looking into it' });
    const answer = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.messageShortcut({ user: ADA, callbackId: 'ticket.macro', channel: TRIAGE, ts: message.ts }));
    expect(answer.status).toBe(200);
    await expect.poll(() => openModal()?.view.private_metadata, { timeout: 5_000 }).toBe(String(number));
    expect(openModal()!.view.callback_id).toBe('ticket.macro.reply');
  });

  it("tells the agent, and opens nothing, on a message outside a ticket's thread", async () => {
    const opened = desk.slack.views(ADA).length;
    const { message } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, text: 'lunch?' });
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.messageShortcut({ user: ADA, callbackId: 'ticket.macro', channel: TRIAGE, ts: message.ts }));
    await expect.poll(() => desk.slack.ephemerals(ADA).at(-1)?.text, { timeout: 5_000 }).toContain("not in a ticket's thread");
    expect(desk.slack.views(ADA)).toHaveLength(opened);
  });
});

describe('managing macros from Slack', () => {
  it('adds one through its modal, refusing an unknown placeholder, then lists and deletes it', async () => {
    const opened = await desk.slack.http.command(desk.eventsUrl, desk.slack.slashCommand({ user: ADA, channel: TRIAGE, command: '/ticket', text: 'macro add Shipping' }));
    expect(opened.status).toBe(200);
    const modal = openModal()!;
    expect(modal.view.callback_id).toBe('ticket.macro.save');
    expect(modal.view.private_metadata).toBe('shipping');

    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId: modal.view.id, values: { text: 'Hi {{customer.email}}', tags: 'shipping' } }));
    const refused = desk.slack.views(ADA).find((v) => v.view.id === modal.view.id)!;
    expect(refused.open).toBe(true);
    expect(refused.errors?.text).toContain('{{customer.email}} is not a placeholder');

    await desk.slack.http.interaction(
      desk.eventsUrl,
      desk.slack.viewSubmission({ user: ADA, viewId: modal.view.id, values: { text: 'Hi {{customer.name}}, it ships today.', status: 'resolved', tags: 'shipping #Fast' } }),
    );
    expect(desk.slack.views(ADA).find((v) => v.view.id === modal.view.id)!.open).toBe(false);
    const list = await slashTicket(desk, 'macro list');
    expect(list).toContain('• `shipping` (sets resolved · tags `shipping` `fast`): Hi {{customer.name}}, it ships today.');
    expect(list).toContain('`refund-sent` (sets pending · high priority · tags `refund` `billing`) · from switchboard.yml');

    expect(await slashTicket(desk, 'macro delete shipping')).toBe('Macro `shipping` is deleted.');
    expect(await slashTicket(desk, 'macro list')).not.toContain('`shipping`');
    expect(await slashTicket(desk, 'macro delete shipping')).toContain('There is no macro "shipping"');
  });

  it('refuses a name that is not one before opening the modal', async () => {
    expect(await slashTicket(desk, 'macro add Ünicode!')).toContain('is not a macro name');
  });

  it("leaves switchboard.yml's macros to the file: no edit nor delete from Slack", async () => {
    const opened = desk.slack.views(ADA).length;
    expect(await slashTicket(desk, 'macro add refund-sent')).toBe('`refund-sent` comes from switchboard.yml: change it there.');
    expect(desk.slack.views(ADA)).toHaveLength(opened);
    expect(await slashTicket(desk, 'macro delete thanks')).toBe('`thanks` comes from switchboard.yml: change it there.');
    expect(await slashTicket(desk, 'macro list')).toContain('`thanks`');
  });
});
