/**
 * The knowledge base (issue 18) end to end: Markdown files in KB_DIR, suggestions in a new
 * ticket's thread, "Send to customer" through the API channel's customer app, `/ticket kb`, and
 * "Save as article", on the Slack emulator and a real Postgres.
 */
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADA, GRACE, TRIAGE, blockText, slashTicket, startSlackDesk, type SlackDesk } from '../slack/helpers.ts';

const RESET = `# Reset your password

Open **Settings → Security** and choose *Forgot password*. We email you a link that works for an hour.
`;
const SHIPPING = `---
title: When will my parcel arrive?
tags: [shipping, Parcels]
---
Parcels leave our warehouse within two working days. Tracking links come by email.
`;

let desk: SlackDesk;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-kb-'));
  await writeFile(path.join(dir, 'reset-password.md'), RESET);
  await writeFile(path.join(dir, 'shipping.md'), SHIPPING);
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { KB_DIR: dir, SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await rm(dir, { recursive: true, force: true });
});

const sql = () => desk.app.db.sql;
const received = (to: string) => desk.customer.delivered().filter((reply) => reply.to === to).map((reply) => reply.text);
const articles = async () => (await sql()<{ file: string | null; title: string; tags: string[] }[]>`select file, title, tags from kb_articles order by title`).map((a) => ({ ...a }));
/** The thread post of the ticket's suggestions, once the sync job has posted it. */
async function suggestions(number: number) {
  let post: Awaited<ReturnType<SlackDesk['thread']>>[number] | undefined;
  await expect.poll(async () => (post = (await desk.thread(number)).find((m) => blockText(m).includes('kb.send'))), { timeout: 15_000 }).toBeDefined();
  return post!;
}

describe('KB_DIR', () => {
  it('is imported at start: the title from the heading or the front matter, tags from the front matter', async () => {
    expect(await articles()).toEqual([
      { file: 'reset-password.md', title: 'Reset your password', tags: [] },
      { file: 'shipping.md', title: 'When will my parcel arrive?', tags: ['shipping', 'parcels'] },
    ]);
  });

  it('is re-read on change: a new file is added, a changed one updated, a removed one deleted', async () => {
    await writeFile(path.join(dir, 'refunds.md'), '# Refunds\n\nRefunds reach your card within five days.\n');
    await writeFile(path.join(dir, 'shipping.md'), SHIPPING.replace('When will my parcel arrive?', 'Where is my parcel?'));
    await expect.poll(async () => (await articles()).map((a) => a.title), { timeout: 10_000 }).toEqual(['Refunds', 'Reset your password', 'Where is my parcel?']);
    await unlink(path.join(dir, 'refunds.md'));
    await expect.poll(async () => (await articles()).map((a) => a.title), { timeout: 10_000 }).toEqual(['Reset your password', 'Where is my parcel?']);
  });
});

describe('suggestions in a new ticket', () => {
  it("posts the matching article in the thread, and 'Send to customer' sends it to the customer once", async () => {
    const number = await desk.write('forgot@example.com', 'Hi, I forgot my password and cannot log in. How do I reset it?');
    const post = await suggestions(number);
    expect(post.text).toContain('Reset your password');
    expect(blockText(post)).not.toContain('Where is my parcel');

    const click = () => desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, actionId: 'kb.send', channel: TRIAGE, ts: post.ts }));
    await click();
    const expected = `Reset your password\n\n${RESET.replace('# Reset your password\n\n', '').trim()}`;
    await expect.poll(() => received('forgot@example.com'), { timeout: 15_000 }).toEqual([expected]);
    await expect.poll(() => desk.slack.ephemerals(ADA).at(-1)?.text, { timeout: 5_000 }).toContain('is sent to the customer of #');
    // A second click, and another agent's, send nothing more.
    await click();
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: GRACE, actionId: 'kb.send', channel: TRIAGE, ts: post.ts }));
    await expect.poll(() => desk.slack.ephemerals(GRACE).at(-1)?.text, { timeout: 5_000 }).toBe(`<@${ADA}> already sent “Reset your password” to the customer of #${number}.`);
    expect(received('forgot@example.com')).toEqual([expected]);
    const sent = await sql()`select m.author from messages m join tickets t on t.id = m.ticket_id where t.number = ${number} and m.direction = 'outbound'`;
    expect(sent).toEqual([{ author: ADA }]);
  });

  it('ranks a title match over a body match, and suggests at most three', async () => {
    await sql()`insert into kb_articles (title, body) values ('Parcel insurance', 'Covers loss.'), ('Gift cards', 'A parcel of joy.'), ('Returns', 'Send the parcel back.'), ('Opening hours', 'We also ship parcels.')`;
    const number = await desk.write('parcel@example.com', 'Where is my parcel?');
    const post = await suggestions(number);
    const titles = (post.blocks as { block_id?: string; text?: { text: string } }[]).filter((b) => b.block_id?.startsWith('kb:') && b.block_id !== 'kb:head').map((b) => b.text!.text.split('\n')[0]);
    expect(titles).toHaveLength(3);
    expect(titles.slice(0, 2).sort()).toEqual(['*Parcel insurance*', '*Where is my parcel?*']);
  });

  it('posts nothing when no article matches', async () => {
    const number = await desk.write('nomatch@example.com', 'Bonjour, ça va?');
    await desk.cardTs(number);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await desk.thread(number)).filter((m) => blockText(m).includes('kb.send'))).toEqual([]);
  });
});

describe('/ticket kb WORDS', () => {
  it('answers with the matching articles, only to the agent', async () => {
    const answer = await slashTicket(desk, 'kb reset password');
    expect(answer).toContain('*Articles for “reset password”* (1):');
    expect(answer).toContain('• *Reset your password*: Open Settings → Security');
    expect(await slashTicket(desk, 'kb quantum entanglement')).toBe('No article matches “quantum entanglement”.');
    expect(await slashTicket(desk, 'kb')).toBe('say what to search for. Usage: `/ticket kb WORDS`');
  });
});

describe('"Save as article"', () => {
  it("opens a modal prefilled with the agent's reply, and saves an article new tickets are matched against", async () => {
    const number = await desk.write('saver@example.com', 'Do you deliver on Sundays?');
    const ts = await desk.cardTs(number);
    const { message } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: 'Sunday delivery\nWe deliver on Sundays in Berlin &amp; Hamburg only.' });
    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.messageShortcut({ user: ADA, callbackId: 'kb.save', channel: TRIAGE, ts: message.ts }));
    let modal: ReturnType<SlackDesk['slack']['views']>[number] | undefined;
    await expect.poll(() => (modal = desk.slack.views(ADA).find((v) => v.open && v.view.callback_id === 'kb.save.article')), { timeout: 5_000 }).toBeDefined();
    expect(blockText(modal!.view as never)).toContain('"initial_value":"Sunday delivery"');
    expect(blockText(modal!.view as never)).toContain('Berlin & Hamburg only.');

    await desk.slack.http.interaction(desk.eventsUrl, desk.slack.viewSubmission({ user: ADA, viewId: modal!.view.id, values: { title: ' ', body: 'x' } }));
    expect(desk.slack.views(ADA).find((v) => v.view.id === modal!.view.id)!.errors).toEqual({ title: 'The title is empty.' });
    await desk.slack.http.interaction(
      desk.eventsUrl,
      desk.slack.viewSubmission({ user: ADA, viewId: modal!.view.id, values: { title: 'Sunday delivery', body: 'We deliver on Sundays in Berlin & Hamburg only.', tags: 'delivery' } }),
    );
    expect(desk.slack.views(ADA).find((v) => v.view.id === modal!.view.id)!.open).toBe(false);
    expect(await sql()`select title, tags, created_by, file from kb_articles where title = 'Sunday delivery'`).toEqual([{ title: 'Sunday delivery', tags: ['delivery'], createdBy: ADA, file: null }]);

    const next = await desk.write('sunday@example.com', 'Is there delivery on Sunday?');
    expect((await suggestions(next)).text).toContain('Sunday delivery');
  });
});
