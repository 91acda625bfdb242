/**
 * A connection-holding channel end to end, on two instances sharing one database, with the
 * Slack emulator: one instance holds the connection, tickets and cards follow the customer's
 * messages, edits and deletions update the thread in place, a reply leaves once through the
 * holder, threading hints are honoured for the ticket's own contact only, operators hear about
 * a lost session once and about its recovery once, and when the holder's database session dies
 * the other instance takes over and resumes from the stored offset: nothing missed, nothing
 * twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionHolder, connectionLockPids } from '../helpers/connection-lock.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';
import { FAKE_CHANNEL, fakeConnectionModule } from '../fakes/connection/channel.ts';
import { startConnectionPlatform, type ConnectionPlatform } from '../fakes/connection/platform.ts';
import { startSlackEmulator, type SlackEmulator } from '../fakes/slack/index.ts';
import type { ChannelModule } from '../../src/channels/contract.ts';

const TRIAGE = 'C0TRIAGE01';
const ESCALATIONS = 'C0ESCALATE';
const AGENT = 'U0AGENT001';

let db: TestDatabase;
let slack: SlackEmulator;
let platform: ConnectionPlatform;
const instances: Record<'a' | 'b', TestSwitchboard | undefined> = { a: undefined, b: undefined };

async function startInstance(name: 'a' | 'b'): Promise<TestSwitchboard> {
  const app = await startTestSwitchboard({
    db,
    instance: `instance-${name}`,
    extraChannelModules: [{ module: fakeConnectionModule as ChannelModule<never>, config: { url: platform.url, token: platform.token, pollTimeoutSeconds: 1 } }],
    env: {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.url,
      SLACK_TRIAGE_CHANNEL: TRIAGE,
      SLACK_ESCALATION_CHANNEL: ESCALATIONS,
    },
  });
  instances[name] = app;
  return app;
}

const sql = () => db.sql;
const holder = () => connectionHolder(sql(), 'fakechat');
const holderApp = async () => {
  const row = await holder();
  return row?.holder === 'instance-a' ? instances.a! : row?.holder === 'instance-b' ? instances.b! : undefined;
};
const inbound = async (externalId: string) =>
  sql()<{ number: number; text: string; editedText: string | null; deletedAt: Date | null; slackTs: string | null; contactId: number }[]>`
    select t.number, m.text, m.edited_text, m.deleted_at, m.slack_ts, t.contact_id from messages m join tickets t on t.id = m.ticket_id
    where m.channel = ${FAKE_CHANNEL} and m.external_id = ${externalId}`;
const storedOnce = async (externalId: string) => {
  await expect.poll(async () => (await inbound(externalId)).length, { timeout: 15_000, interval: 100 }).toBe(1);
  return (await inbound(externalId))[0]!;
};
const cardTs = async (number: number) => {
  let ts: string | null | undefined;
  await expect
    .poll(async () => (ts = (await sql()<{ ts: string | null }[]>`select c.ts from slack_cards c join tickets t on t.id = c.ticket_id where t.number = ${number}`)[0]?.ts), { timeout: 15_000 })
    .toBeTruthy();
  return ts!;
};

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await startSlackEmulator();
  slack.addChannel({ id: ESCALATIONS, name: 'escalations' });
  platform = await startConnectionPlatform();
  await startInstance('a');
  await startInstance('b');
}, 60_000);

afterAll(async () => {
  await instances.a?.close(); // the database was given to them: it stays until dropped below
  await instances.b?.close();
  await platform?.close();
  await slack?.close();
  await db?.drop();
});

describe('a connection channel on two instances', () => {
  let ticket: number;
  let secondId: string;

  it('is held by exactly one instance, through one platform session', async () => {
    await expect.poll(async () => (await holder())?.state, { timeout: 15_000 }).toBe('connected');
    await new Promise((r) => setTimeout(r, 2_500)); // both have tried for the lock by now
    expect(['instance-a', 'instance-b']).toContain((await holder())!.holder);
    expect(platform.sessions).toHaveLength(1);
  });

  it('turns a customer message into a ticket with a card in the triage channel', async () => {
    const id = platform.customerWrites({ chat: 'chat-cleo', from: 'cleo', name: 'Cleo', text: 'My parcel never came' });
    ticket = (await storedOnce(id)).number;
    const ts = await cardTs(ticket);
    expect(JSON.stringify(slack.message(TRIAGE, ts)?.blocks)).toContain('My parcel never came');
  });

  it('updates the thread post in place when the customer edits a message, and keeps the original', async () => {
    secondId = platform.customerWrites({ chat: 'chat-cleo', from: 'cleo', name: 'Cleo', text: 'Order 1234' });
    const second = await storedOnce(secondId);
    expect(second.number).toBe(ticket);
    await expect.poll(async () => (await inbound(secondId))[0]!.slackTs, { timeout: 15_000 }).toBeTruthy();
    const postTs = (await inbound(secondId))[0]!.slackTs!;

    platform.customerEdits(secondId, 'Order 1243');
    await expect.poll(async () => (await inbound(secondId))[0]!.editedText, { timeout: 15_000 }).toBe('Order 1243');
    expect((await inbound(secondId))[0]!.text).toBe('Order 1234');
    await expect.poll(() => slack.message(TRIAGE, postTs)?.text ?? '', { timeout: 15_000 }).toContain('Order 1243');
    const post = slack.message(TRIAGE, postTs)!.text;
    expect(post).toContain('edited');
    expect(post).toContain('Order 1234');
    const events = await sql()`select 1 from events e join tickets t on t.id = e.ticket_id where t.number = ${ticket} and e.kind = 'message-edited'`;
    expect(events).toHaveLength(1);
  });

  it('marks a message the customer deleted, the text still visible to agents', async () => {
    const postTs = (await inbound(secondId))[0]!.slackTs!;
    platform.customerDeletes(secondId);
    await expect.poll(async () => (await inbound(secondId))[0]!.deletedAt, { timeout: 15_000 }).toBeTruthy();
    await expect.poll(() => slack.message(TRIAGE, postTs)?.text ?? '', { timeout: 15_000 }).toContain('deleted by the customer');
    expect(slack.message(TRIAGE, postTs)!.text).toContain('Order 1243');
  });

  it('sends a reply once, through the instance holding the connection, whichever instance queued it, and drops its echo', async () => {
    const holding = (await holderApp())!;
    const other = holding === instances.a ? instances.b! : instances.a!;
    const session = platform.sessions.at(-1);
    const reply = await other.tickets.reply({ ticket, author: AGENT, text: 'We are on it, Cleo' });
    await expect.poll(async () => (await sql()<{ externalId: string | null }[]>`select external_id from messages where id = ${reply.id}`)[0]!.externalId, { timeout: 15_000 }).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1_500));
    const sent = platform.sent.filter((m) => m.text === 'We are on it, Cleo');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.session).toBe(session);
    expect(sent[0]!.chat).toBe('chat-cleo');
    expect(sent[0]!.reply_to).toBe(secondId);
    expect(sent[0]!.subject).toBe(`Re: My parcel never came [#${ticket}]`);
    // The platform echoed it back as an update: confirmed, and stored as nothing new.
    const echoed = platform.updates.find((u) => u.message.message_id === sent[0]!.message_id)!;
    await expect.poll(() => platform.confirmed, { timeout: 10_000 }).toBeGreaterThan(echoed.update_id);
    expect(await sql()`select 1 from messages where ticket_id = (select id from tickets where number = ${ticket}) and direction = 'inbound'`).toHaveLength(2);
  });

  it('joins a ticket by its [#N] or a reference only for that ticket\'s contact; a stranger\'s [#N] opens their own', async () => {
    const byHint = platform.customerWrites({ chat: 'chat-cleo-2', from: 'cleo', text: 'Any news?', subject: `About [#${ticket}]` });
    expect((await storedOnce(byHint)).number).toBe(ticket);
    const sentId = platform.sent.find((m) => m.text === 'We are on it, Cleo')!.message_id;
    const byReference = platform.customerWrites({ chat: 'chat-cleo-3', from: 'cleo', text: 'Following up', references: [sentId] });
    expect((await storedOnce(byReference)).number).toBe(ticket);

    const stranger = platform.customerWrites({ chat: 'chat-mallory', from: 'mallory', text: 'Let me in', subject: `Re: [#${ticket}]` });
    const strangers = await storedOnce(stranger);
    expect(strangers.number).not.toBe(ticket);
    const forged = platform.customerWrites({ chat: 'chat-mallory', from: 'mallory', text: 'And again', references: [sentId] });
    expect((await storedOnce(forged)).number).toBe(strangers.number);
  });

  it('follows the conversation where a reply moved it (a thread opened by the first reply)', async () => {
    const id = platform.customerWrites({ chat: 'forum:help', from: 'dora', name: 'Dora', text: 'Posted in the help forum' });
    const { number } = await storedOnce(id);
    await instances.a!.tickets.reply({ ticket: number, author: AGENT, text: 'Answering in a thread' });
    await expect.poll(() => platform.sent.find((m) => m.text === 'Answering in a thread')?.chat, { timeout: 15_000 }).toBeTruthy();
    const thread = platform.sent.find((m) => m.text === 'Answering in a thread')!.chat;
    expect(thread).not.toBe('forum:help');
    await expect.poll(async () => (await sql()<{ conversation: string }[]>`select conversation from tickets where number = ${number}`)[0]!.conversation, { timeout: 10_000 }).toBe(thread);
    const next = platform.customerWrites({ chat: thread, from: 'dora', text: 'Thanks, continuing here' });
    expect((await storedOnce(next)).number).toBe(number);
  });

  it('tells operators once when the session is lost and a login is needed, and once when it is back', async () => {
    const notices = () => slack.messages(ESCALATIONS).filter((m) => m.text.includes('fakechat'));
    const before = notices().length;
    platform.requireLogin('QR-CODE-1');
    await expect.poll(async () => (await holder())?.state, { timeout: 15_000 }).toBe('login-required');
    await expect
      .poll(() => notices().length - before, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1_500)); // the adapter keeps asking: still one notice per kind
    const opened = await sql()<{ kind: string }[]>`select kind from operator_notices where module = 'fakechat' and closed_at is null order by id`;
    expect(opened.map((n) => n.kind)).toEqual(['session-lost', 'login-required']);
    expect(new Set(notices().slice(before).map((m) => m.text)).size).toBe(notices().length - before);

    platform.scan();
    await expect.poll(async () => (await holder())?.state, { timeout: 15_000 }).toBe('connected');
    await expect
      .poll(async () => (await sql()`select 1 from operator_notices where module = 'fakechat' and recovery_posted_at is not null and closed_at is not null`).length, { timeout: 15_000 })
      .toBe(2);
    // The lost session's recovery follows in its thread; the QR post itself turns into the recovery.
    const posted = await sql()<{ kind: string; slackTs: string }[]>`select kind, slack_ts from operator_notices where module = 'fakechat' and slack_ts is not null order by id`;
    await new Promise((r) => setTimeout(r, 1_000));
    const byKind = Object.fromEntries(posted.map((n) => [n.kind, n.slackTs]));
    expect(slack.thread(ESCALATIONS, byKind['session-lost']!).slice(1).map((m) => m.text)).toEqual([':white_check_mark: fakechat is back: connected']);
    expect(slack.thread(ESCALATIONS, byKind['login-required']!)).toHaveLength(1);
    expect(slack.message(ESCALATIONS, byKind['login-required']!)!.text).toMatch(/^:white_check_mark: fakechat is back: /);
  });

  it('is taken over by the other instance within 30 s when the holder\'s database session dies, resuming from the stored offset', { timeout: 60_000 }, async () => {
    platform.scan(); // whatever the test before left behind
    await expect.poll(async () => (await holder())?.state, { timeout: 15_000 }).toBe('connected');
    const before = (await holder())!;
    const lockPid = await connectionLockPids(sql(), 'fakechat');
    expect(lockPid).toHaveLength(1);
    const started = Date.now();
    await sql()`select pg_terminate_backend(${lockPid[0]!})`;
    // The customer keeps writing through the fail-over.
    const during = [
      platform.customerWrites({ chat: 'chat-cleo', from: 'cleo', text: 'during 1' }),
      platform.customerWrites({ chat: 'chat-cleo', from: 'cleo', text: 'during 2' }),
    ];
    await expect
      .poll(async () => {
        const now = await holder();
        return now && Number(now.epoch) > Number(before.epoch) && now.state === 'connected' ? now.holder : undefined;
      }, { timeout: 30_000, interval: 200 })
      .toBeTruthy();
    const tookOverMs = Date.now() - started;
    expect(tookOverMs).toBeLessThan(30_000);
    for (const id of during) expect((await storedOnce(id)).number).toBe(ticket);
    const after = platform.customerWrites({ chat: 'chat-cleo', from: 'cleo', text: 'after' });
    await storedOnce(after);
    // Nothing stored twice, and the messages of the thread in the order written.
    const rows = await sql()<{ externalId: string; n: number }[]>`select external_id, count(*)::int as n from messages where channel = ${FAKE_CHANNEL} and direction = 'inbound' group by external_id`;
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const texts = await sql()<{ text: string }[]>`select text from messages where ticket_id = (select id from tickets where number = ${ticket}) and direction = 'inbound' and text in ('during 1', 'during 2', 'after') order by seq`;
    expect(texts.map((t) => t.text)).toEqual(['during 1', 'during 2', 'after']);
    // The offset moves past an update once it is stored (a write of its own, after the store).
    const offset = async () => (await sql()<{ value: number }[]>`select value from channel_state where module = 'fakechat' and key = 'offset'`)[0]!.value;
    await expect.poll(offset, { timeout: 5_000 }).toBe(platform.updates.at(-1)!.update_id + 1);
  });

  it('stops holding on both instances when they stop', async () => {
    await instances.a!.stop();
    await instances.b!.stop();
    const row = (await holder())!;
    expect(row.holder).toBeNull();
    expect(row.state).toBe('stopped');
  });
});
