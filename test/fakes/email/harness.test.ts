import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { createTransport } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bounceFor, composeMail } from './compose.ts';
import { startDovecot, type Dovecot } from './dovecot.ts';
import { startSmtp, type SmtpFake } from './smtp.ts';

// The mail-server harness itself, through the clients the email channel uses (imapflow,
// nodemailer), so later channel tests can trust what it shows them.
let dovecot: Dovecot;
let smtp: SmtpFake;
const clients = new Set<ImapFlow>();

beforeAll(async () => {
  [dovecot, smtp] = await Promise.all([startDovecot(), startSmtp()]);
});
afterEach(async () => {
  for (const client of clients) client.close();
  clients.clear();
});
afterAll(async () => {
  await Promise.all([dovecot?.stop(), smtp?.close()]);
});

/** A logged-in imapflow client; closed after each test. */
async function imap(password = dovecot.password): Promise<ImapFlow> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: password }, logger: false });
  client.on('error', () => {}); // a dropped connection is what some tests cause
  clients.add(client);
  await client.connect();
  return client;
}

async function messageIds(client: ImapFlow, mailbox = 'INBOX'): Promise<{ uid: number; messageId: string | undefined }[]> {
  const lock = await client.getMailboxLock(mailbox);
  try {
    const found: { uid: number; messageId: string | undefined }[] = [];
    if (client.mailbox && client.mailbox.exists === 0) return found;
    for await (const message of client.fetch('1:*', { uid: true, envelope: true })) found.push({ uid: message.uid, messageId: message.envelope?.messageId });
    return found;
  } finally {
    lock.release();
  }
}

describe('the Dovecot harness', () => {
  it('delivers a composed message that imapflow sees with its Message-ID, and doveadm sees \\Seen once imapflow sets it', async () => {
    const raw = await composeMail({ from: 'Ada <ada@customer.test>', to: dovecot.user, subject: 'Printer on fire', text: 'Help!', messageId: '<first@customer.test>' });
    await dovecot.deliver(raw);
    const client = await imap();
    expect(await messageIds(client)).toEqual([{ uid: 1, messageId: '<first@customer.test>' }]);
    await client.mailboxOpen('INBOX');
    await client.messageFlagsAdd('1', ['\\Seen'], { uid: true });
    expect(await dovecot.messages()).toEqual([{ uid: 1, flags: ['\\Seen'], messageId: '<first@customer.test>' }]);
  });

  it('rejects a wrong password and shows a message moved into another mailbox', async () => {
    await expect(imap('wrong')).rejects.toMatchObject({ authenticationFailed: true });
    await dovecot.createMailbox('Handled');
    const client = await imap();
    await client.mailboxOpen('INBOX');
    await client.messageMove('1', 'Handled', { uid: true });
    expect(await dovecot.messages()).toEqual([]);
    expect(await dovecot.messages('Handled')).toEqual([{ uid: 1, flags: ['\\Seen'], messageId: '<first@customer.test>' }]);
    await expect(dovecot.messages('Missing')).rejects.toThrow(/doesn't exist/);
  });

  it('markUnseen/markSeen flip \\Seen; setPassword changes what the next login needs', async () => {
    await dovecot.markUnseen('Handled');
    expect((await dovecot.messages('Handled'))[0]!.flags).toEqual([]);
    await dovecot.markSeen('Handled', [1]);
    expect((await dovecot.messages('Handled'))[0]!.flags).toEqual(['\\Seen']);
    await dovecot.setPassword('changed');
    await expect(imap()).rejects.toMatchObject({ authenticationFailed: true });
    await imap('changed');
    await dovecot.setPassword(dovecot.password);
    await imap();
  });

  it('restart() drops an open connection; a new login afterwards sees the mail', async () => {
    await dovecot.deliver(await composeMail({ from: 'bob@customer.test', to: dovecot.user, subject: 'Second', text: 'hi', messageId: '<second@customer.test>' }));
    const client = await imap();
    await client.mailboxOpen('INBOX');
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await dovecot.restart();
    await closed;
    expect(client.usable).toBe(false);
    const again = await imap();
    expect(await messageIds(again)).toEqual([{ uid: 2, messageId: '<second@customer.test>' }]);
  });

  it('halt() refuses connections until start(); mail delivered meanwhile is there afterwards', async () => {
    await dovecot.halt();
    await expect(imap()).rejects.toThrow();
    await dovecot.deliver(await composeMail({ from: 'eve@customer.test', to: dovecot.user, subject: 'While down', text: 'x', messageId: '<down@customer.test>' }));
    await dovecot.start();
    expect(await messageIds(await imap())).toEqual([
      { uid: 2, messageId: '<second@customer.test>' },
      { uid: 3, messageId: '<down@customer.test>' },
    ]);
    await dovecot.createMailbox('Done');
    const client = await imap();
    await client.mailboxOpen('INBOX');
    await client.messageMove('3', 'Done', { uid: true });
  });

  it('changeUidValidity() changes the UIDVALIDITY imapflow reports, keeping messages and UIDs; a selected session is dropped', async () => {
    const client = await imap();
    const before = (await client.mailboxOpen('INBOX')).uidValidity;
    expect(before).toBe(BigInt(await dovecot.uidValidity()));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const changed = await dovecot.changeUidValidity();
    // Dovecot notices at the session's next sync: "* BYE IMAP session state is inconsistent".
    await client.noop().catch(() => {});
    await closed;
    expect(changed).not.toBe(Number(before));
    const after = await imap();
    expect((await after.mailboxOpen('INBOX')).uidValidity).toBe(BigInt(changed));
    expect(await messageIds(after)).toEqual([{ uid: 2, messageId: '<second@customer.test>' }]);
  });

  it('changeUidValidity({ renumber }) also renumbers the messages from 1, in every mailbox asked', async () => {
    const changed = await dovecot.changeUidValidity('INBOX', { renumber: true });
    const client = await imap();
    expect((await client.mailboxOpen('INBOX')).uidValidity).toBe(BigInt(changed));
    expect(await messageIds(client)).toEqual([{ uid: 1, messageId: '<second@customer.test>' }]);
    await dovecot.changeUidValidity('Handled', { renumber: true });
    expect(await dovecot.messages('Handled')).toEqual([{ uid: 1, flags: ['\\Seen'], messageId: '<first@customer.test>' }]);
  });

  it('delivers a Postfix-style bounce that parses as a delivery-status report', async () => {
    const bounce = bounceFor({ messageId: '<reply-1@desk.test>', to: 'gone@customer.test', from: dovecot.user, subject: 'Re: Printer on fire' });
    await dovecot.deliver(bounce);
    const parsed = await simpleParser(bounce);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/report', params: { 'report-type': 'delivery-status' } });
    expect(bounce.toString()).toMatch(/^Return-Path: <>\r\n/);
    expect(bounce.toString()).toContain('Status: 5.1.1\r\n');
    expect(bounce.toString()).toContain('Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.test>: Recipient address');
    expect(bounce.toString()).toMatch(/Content-Type: text\/rfc822-headers\r\n[\s\S]*Message-ID: <reply-1@desk.test>\r\n/);
    expect((await dovecot.messages()).map((m) => m.messageId)).toContain(parsed.messageId);
  });
});

describe('the SMTP fake', () => {
  const transport = () =>
    createTransport({ host: smtp.host, port: smtp.port, secure: false, auth: { user: smtp.user, pass: smtp.password }, tls: { rejectUnauthorized: false }, ignoreTLS: true });

  it('records what nodemailer sends, with the envelope and the parsed mail', async () => {
    await transport().sendMail({ from: 'support@example.test', to: ['ada@customer.test', 'bob@customer.test'], subject: 'Your ticket', text: 'On it.', messageId: '<out-1@desk.test>' });
    const [first] = await smtp.waitFor(1);
    expect(first!.envelope).toEqual({ from: 'support@example.test', to: ['ada@customer.test', 'bob@customer.test'] });
    expect(first!.mail.messageId).toBe('<out-1@desk.test>');
    expect(first!.mail.text?.trim()).toBe('On it.');
    expect(first!.raw.toString()).toContain('Subject: Your ticket');
  });

  it('refuses a wrong password with 535', async () => {
    const wrong = createTransport({ host: smtp.host, port: smtp.port, secure: false, auth: { user: smtp.user, pass: 'nope' }, ignoreTLS: true });
    await expect(wrong.sendMail({ from: 'support@example.test', to: 'ada@customer.test', text: 'x' })).rejects.toMatchObject({ responseCode: 535 });
    expect(smtp.authFailures).toBe(1);
  });

  it('answers failNext(451) to the next DATA, then accepts again', async () => {
    const attempts = smtp.attempts;
    smtp.failNext(451, '4.3.0 Try again later');
    const mail = { from: 'support@example.test', to: 'ada@customer.test', subject: 'Retry me', text: 'x' };
    await expect(transport().sendMail(mail)).rejects.toMatchObject({ responseCode: 451 });
    await transport().sendMail(mail);
    expect(smtp.attempts).toBe(attempts + 2);
    expect((await smtp.waitFor(2)).map((m) => m.mail.subject)).toEqual(['Your ticket', 'Retry me']);
  });
});
