/**
 * The mailbox connection against a real Dovecot: the connection contract every holder keeps,
 * then what only IMAP brings: a server that drops the connection, a Switchboard restart, a
 * UIDVALIDITY change and a folder for handled mail. Nothing missed, nothing ingested twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionContract } from '../contract-suite.ts';
import { composeMail } from '../../fakes/email/compose.ts';
import { startDovecot, type Dovecot } from '../../fakes/email/dovecot.ts';
import { startSmtp, type SmtpFake } from '../../fakes/email/smtp.ts';
import { connectionHolder } from '../../helpers/connection-lock.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../../helpers/switchboard.ts';
import { allHandled, emailEnv, newMessageId, SUPPORT, ticketOfMail } from './helpers.ts';

const customer = 'dana@customer.test';

/** Dana's mail client sends `text`; the mail server delivers it. Returns the Message-ID. */
async function delivered(dovecot: Dovecot, text: string, extra: Parameters<typeof composeMail>[0]['headers'] = {}): Promise<string> {
  const messageId = newMessageId();
  await dovecot.deliver(await composeMail({ from: `Dana <${customer}>`, to: SUPPORT, subject: text.slice(0, 40), text, messageId, headers: extra }));
  return messageId;
}

{
  let dovecot: Dovecot;
  let smtp: SmtpFake;
  let last: Buffer | undefined;
  connectionContract({
    channel: 'email',
    module: 'email',
    async setUp() {
      dovecot = await startDovecot();
      smtp = await startSmtp();
    },
    async tearDown() {
      await smtp.close();
      await dovecot.stop();
    },
    start: (db) => startTestSwitchboard({ db, env: emailEnv(dovecot, smtp) }),
    async deliver(text) {
      const messageId = newMessageId();
      last = await composeMail({ from: customer, to: SUPPORT, subject: 'Contract', text, messageId });
      await dovecot.deliver(last);
      return messageId;
    },
    // Mail cannot be edited or deleted once sent: `edit` and `remove` are absent.
    async deliverUnknown() {
      await dovecot.deliver(await composeMail({ from: customer, to: SUPPORT, subject: 'Away', text: 'I am out of the office', headers: { 'Auto-Submitted': 'auto-replied' } }));
    },
    // The same message again, as a second copy in the mailbox (a resend, a second delivery).
    redeliverLast: () => dovecot.deliver(last!),
    received: () => smtp.received.map((m) => m.mail.text?.trim() ?? ''),
    async refuseToken(refuse) {
      // The mailbox's password changes (or changes back) and the server drops every session.
      await dovecot.setPassword(refuse ? 'changed-elsewhere' : dovecot.password);
      await dovecot.restart();
    },
  });
}

describe('the mailbox through disconnects, restarts and a rebuilt mailbox', () => {
  let db: TestDatabase;
  let dovecot: Dovecot;
  let smtp: SmtpFake;
  let app: TestSwitchboard | undefined;
  const start = async () => (app = await startTestSwitchboard({ db, env: emailEnv(dovecot, smtp) }));
  const inbound = async () =>
    (await db.sql<{ externalId: string; n: number }[]>`select external_id, count(*)::int as n from messages where channel = 'email' and direction = 'inbound' group by external_id`);

  beforeAll(async () => {
    db = await createTestDatabase();
    dovecot = await startDovecot();
    smtp = await startSmtp();
    await start();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('ingests, once, mail that arrived while Dovecot was down', async () => {
    await ticketOfMail(db.sql, await delivered(dovecot, 'before the outage'));
    await dovecot.halt();
    await expect.poll(async () => (await connectionHolder(db.sql, 'email'))?.state, { timeout: 15_000 }).toBe('reconnecting');
    // The mail server delivers while IMAP is down: only the catch-up at reconnect can find these.
    const during = [await delivered(dovecot, 'during the outage 1'), await delivered(dovecot, 'during the outage 2')];
    await dovecot.start();
    for (const id of during) await ticketOfMail(db.sql, id);
    await allHandled(dovecot);
    expect((await inbound()).every((r) => r.n === 1)).toBe(true);
    expect(await inbound()).toHaveLength(3);
  });

  it('re-ingests nothing after Switchboard restarts: it resumes at the stored UID', async () => {
    await app!.close();
    app = undefined;
    // Were it to look at unread mail again, it would find all of it.
    await dovecot.markUnseen();
    await start();
    const after = await delivered(dovecot, 'after the restart');
    await ticketOfMail(db.sql, after);
    const flags = await dovecot.messages();
    expect(flags.filter((m) => m.flags.includes('\\Seen')).map((m) => m.messageId)).toEqual([after]);
    expect(await inbound()).toHaveLength(4);
  });

  it('takes new mail, and re-ingests nothing, after the server renumbers the mailbox (UIDVALIDITY changes)', async () => {
    await dovecot.markSeen(); // as a person reading the mailbox would
    await app!.close();
    app = undefined;
    const before = await dovecot.uidValidity();
    const now = await dovecot.changeUidValidity('INBOX', { renumber: true });
    expect(now).not.toBe(before);
    await start();
    const fresh = await delivered(dovecot, 'after the rebuild');
    await ticketOfMail(db.sql, fresh);
    expect((await inbound()).every((r) => r.n === 1)).toBe(true);
    expect(await inbound()).toHaveLength(5);
    const [position] = await db.sql<{ value: { uidValidity: string } }[]>`select value from channel_state where module = 'email' and key = 'position:INBOX'`;
    expect(position!.value.uidValidity).toBe(String(now));
  });
});

describe('a folder for handled mail (EMAIL_PROCESSED_MAILBOX)', () => {
  let dovecot: Dovecot;
  let smtp: SmtpFake;
  let app: TestSwitchboard;
  beforeAll(async () => {
    dovecot = await startDovecot();
    smtp = await startSmtp();
    await dovecot.createMailbox('Handled');
    app = await startTestSwitchboard({ env: emailEnv(dovecot, smtp, { EMAIL_PROCESSED_MAILBOX: 'Handled' }) });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('moves each handled message there, flagged \\Seen, tickets or not', async () => {
    const id = await delivered(dovecot, 'please file me');
    const auto = await delivered(dovecot, 'auto reply', { 'Auto-Submitted': 'auto-replied' });
    await ticketOfMail(app.db.sql, id);
    await expect.poll(async () => (await dovecot.messages('Handled')).map((m) => m.messageId).sort(), { timeout: 15_000 }).toEqual([id, auto].sort());
    expect((await dovecot.messages('Handled')).every((m) => m.flags.includes('\\Seen'))).toBe(true);
    expect(await dovecot.messages()).toEqual([]);
  });
});
