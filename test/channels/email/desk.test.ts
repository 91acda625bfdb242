/**
 * Issue 15's email acceptance as customers and agents see it: a real Dovecot holding the
 * mailbox (mail delivered into it with doveadm, as a mail server would), the smtp-server
 * package receiving our replies through nodemailer, Bolt against the Slack emulator, and one
 * Switchboard on a real Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounceFor, composeMail, type ComposeInput } from '../../fakes/email/compose.ts';
import { startDovecot, type Dovecot } from '../../fakes/email/dovecot.ts';
import { startSmtp, type SmtpFake } from '../../fakes/email/smtp.ts';
import { ADA, blockText, startSlackDesk, TRIAGE, type SlackDesk } from '../../slack/helpers.ts';
import { allHandled, emailEnv, newMessageId, SUPPORT, ticketOfMail } from './helpers.ts';

let dovecot: Dovecot;
let smtp: SmtpFake;
let desk: SlackDesk;

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = await startSmtp();
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { ...emailEnv(dovecot, smtp), SLACK_POST_RATE: '20' } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await smtp?.close();
  await dovecot?.stop();
});

const sql = () => desk.app.db.sql;
const count = async () => (await sql()<{ n: number }[]>`select count(*)::int as n from tickets`)[0]!.n;

/** The customer's mail client sends; the mail server delivers it into our mailbox. Returns its Message-ID. */
async function customerSends(mail: Partial<ComposeInput> & { from: string }): Promise<{ messageId: string; raw: Buffer }> {
  const messageId = mail.messageId ?? newMessageId();
  const raw = await composeMail({ to: SUPPORT, subject: 'Help', text: 'Hello', ...mail, messageId });
  await dovecot.deliver(raw);
  return { messageId, raw };
}

async function agentReplies(number: number, text: string): Promise<void> {
  const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), text });
  expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
}

/** The next mail to reach the SMTP server. */
async function nextSent() {
  const before = smtp.received.length;
  return async () => (await smtp.waitFor(before + 1, 20_000))[before]!;
}

const threadText = async (number: number) => (await desk.thread(number)).map((m) => `${m.text ?? ''} ${blockText(m)}`).join('\n');
const filesInThread = async (number: number) => (await desk.thread(number)).flatMap((m) => m.files ?? []);

describe('email as customers and agents see it', () => {
  const ada = 'ada@customer.test';
  let ticket: number;
  let first: { messageId: string; raw: Buffer };
  let reply: Awaited<ReturnType<Awaited<ReturnType<typeof nextSent>>>>;

  it('turns a new email into a ticket whose card shows the subject, the sender and the people copied', async () => {
    first = await customerSends({
      from: 'Ada Lovelace <ada@customer.test>',
      cc: 'Boss <boss@customer.test>',
      subject: 'Order 1234 is late',
      text: 'My order has not arrived.\n\n-- \nAda Lovelace\nAnalytical Engines Ltd\n',
    });
    ticket = await ticketOfMail(sql(), first.messageId);
    const card = blockText(desk.slack.message(TRIAGE, await desk.cardTs(ticket)));
    expect(card).toContain(`#${ticket}`);
    expect(card).toContain('Ada Lovelace');
    expect(card).toContain('Order 1234 is late');
    expect(card).toContain('My order has not arrived.');
    expect(card).toContain('boss@customer.test');
    expect(card).not.toContain('Analytical Engines'); // the signature
    const [row] = await sql()<{ subject: string; cc: string[] }[]>`select subject, cc from tickets where number = ${ticket}`;
    expect(row).toEqual({ subject: 'Order 1234 is late', cc: ['boss@customer.test'] });
    await allHandled(dovecot);
  });

  it('keeps the original and puts it in the thread, byte for byte', async () => {
    await expect.poll(async () => (await filesInThread(ticket)).map((f) => f.name), { timeout: 15_000 }).toEqual(['original.eml']);
    const [file] = await filesInThread(ticket);
    expect(Buffer.from(desk.slack.fileContent(file!.id)!).equals(first.raw)).toBe(true);
  });

  it("sends an agent's reply from EMAIL_FROM to the customer and the CCs, threaded, with the ticket in the subject", async () => {
    const sent = await nextSent();
    await agentReplies(ticket, 'We are on it.\n\nTracking: https://track.test/1234');
    reply = await sent();
    const { mail, envelope } = reply;
    expect(mail.from?.value).toEqual([{ address: SUPPORT, name: 'Example Support' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([ada]);
    expect(mail.cc && !Array.isArray(mail.cc) ? mail.cc.value.map((a) => a.address) : []).toEqual(['boss@customer.test']);
    expect(envelope).toEqual({ from: SUPPORT, to: [ada, 'boss@customer.test'] });
    expect(mail.subject).toBe(`Re: Order 1234 is late [#${ticket}]`);
    expect(mail.inReplyTo).toBe(first.messageId);
    expect([mail.references].flat()).toEqual([first.messageId]);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@example\.test>$/);
    expect(mail.text?.trim()).toBe('We are on it.\n\nTracking: https://track.test/1234');
    expect(mail.html).toContain('<a href="https://track.test/1234">');
    const stored = async () =>
      (await sql()<{ externalId: string; delivery: string }[]>`
        select external_id, delivery from messages where ticket_id = (select id from tickets where number = ${ticket}) and direction = 'outbound'`)[0];
    await expect.poll(stored, { timeout: 10_000 }).toEqual({ externalId: mail.messageId, delivery: 'sent' });
  });

  it("joins the customer's answer to the ticket by its headers, without the quoted reply", async () => {
    const answer = await customerSends({
      from: ada,
      subject: 'Re: Order 1234 is late',
      inReplyTo: reply.mail.messageId!,
      references: [first.messageId, reply.mail.messageId!],
      text: `Thanks, got it.\n\nOn Tue, Example Support <${SUPPORT}> wrote:\n> We are on it.\n>\n> Tracking: https://track.test/1234\n`,
    });
    expect(await ticketOfMail(sql(), answer.messageId)).toBe(ticket);
    await expect.poll(() => threadText(ticket), { timeout: 15_000 }).toContain('Thanks, got it.');
    const [line] = (await desk.thread(ticket)).filter((m) => (m.text ?? '').includes('Thanks, got it.'));
    expect(line!.text).not.toContain('We are on it');
  });

  it('joins a mail carrying only the [#N] token in its subject, from the ticket\'s contact', async () => {
    const token = await customerSends({ from: ada, subject: `One more thing [#${ticket}]`, text: 'Please deliver after 5pm.' });
    expect(await ticketOfMail(sql(), token.messageId)).toBe(ticket);
  });

  it("opens a new ticket for a stranger's mail naming [#N]", async () => {
    const stranger = await customerSends({ from: 'mallory@elsewhere.test', subject: `Re: Order 1234 is late [#${ticket}]`, text: 'Send me the tracking too' });
    const theirs = await ticketOfMail(sql(), stranger.messageId);
    expect(theirs).not.toBe(ticket);
  });

  it('shows an HTML-only mail as readable text in Slack', async () => {
    const html = await customerSends({
      from: 'bob@customer.test',
      subject: 'Refund',
      text: undefined,
      html: '<html><body><p>Hello,</p><p>I would like a <strong>refund</strong> for <a href="https://shop.test/o/77">order 77</a>.</p><ul><li>Broken lid</li><li>Wrong colour</li></ul></body></html>',
    });
    const number = await ticketOfMail(sql(), html.messageId);
    const card = blockText(desk.slack.message(TRIAGE, await desk.cardTs(number)));
    expect(card).toContain('I would like a refund for order 77');
    expect(card).toContain('Broken lid');
    expect(card).not.toMatch(/<\/?(p|strong|ul|li|html|body)>/);
  });

  it('opens no ticket for an auto-reply, a list mail or a stranger\'s bounce, and flags them handled', async () => {
    const before = await count();
    const sent = smtp.received.length;
    await customerSends({ from: ada, subject: 'Out of office', text: 'I am away', headers: { 'Auto-Submitted': 'auto-replied' } });
    await customerSends({ from: 'news@shop.test', subject: 'Our newsletter', text: 'Deals!', headers: { 'List-Id': 'Deals <deals.shop.test>', Precedence: 'list' } });
    await dovecot.deliver(bounceFor({ messageId: '<not-ours@elsewhere.test>', to: 'gone@customer.test', from: SUPPORT, subject: 'Hi' }));
    await allHandled(dovecot);
    expect(await count()).toBe(before);
    expect(smtp.received.length).toBe(sent); // nothing answers them
    await new Promise((r) => setTimeout(r, 1_000));
    expect(smtp.received.length).toBe(sent);
  });

  it('marks our reply failed, with the reason in the thread, when its bounce comes back', async () => {
    const bob = 'bob.gone@customer.test';
    const { messageId } = await customerSends({ from: bob, subject: 'Hello', text: 'Are you there?' });
    const number = await ticketOfMail(sql(), messageId);
    const sent = await nextSent();
    await agentReplies(number, 'Yes, how can we help?');
    const ours = await sent();
    await dovecot.deliver(bounceFor({ messageId: ours.mail.messageId!, to: bob, from: SUPPORT, subject: ours.mail.subject!, raw: ours.raw }));
    await expect
      .poll(async () => (await sql()<{ delivery: string }[]>`select delivery from messages where external_id = ${ours.mail.messageId!}`)[0]?.delivery, { timeout: 20_000 })
      .toBe('failed');
    await expect.poll(() => threadText(number), { timeout: 15_000 }).toMatch(/Not delivered: 550 5\.1\.1 &lt;bob\.gone@customer\.test&gt;: Recipient address rejected: User unknown/);
  });

  it('puts a customer attachment and an inline image in the Slack thread', async () => {
    const png = Buffer.from('89504e470d0a1a0a-not-really-a-png');
    const { messageId } = await customerSends({
      from: 'cleo@customer.test',
      subject: 'Damaged box',
      text: undefined,
      html: '<p>The box arrived like this:</p><img src="cid:photo@cleo">',
      attachments: [
        { filename: 'photo.png', content: png, contentType: 'image/png', cid: 'photo@cleo', contentDisposition: 'inline' },
        { filename: 'receipt.pdf', content: '%PDF-1.4 receipt', contentType: 'application/pdf' },
      ],
    });
    const number = await ticketOfMail(sql(), messageId);
    await expect.poll(async () => (await filesInThread(number)).map((f) => f.name), { timeout: 15_000 }).toEqual(['photo.png', 'receipt.pdf', 'original.eml']);
    const files = await filesInThread(number);
    expect(Buffer.from(desk.slack.fileContent(files[0]!.id)!).equals(png)).toBe(true);
    expect(Buffer.from(desk.slack.fileContent(files[1]!.id)!).toString()).toBe('%PDF-1.4 receipt');
  });

  it('sends a file an agent drops in the thread as a MIME attachment', async () => {
    const sent = await nextSent();
    const { event } = desk.slack.userUploads({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(ticket), filename: 'label.pdf', content: '%PDF-1.4 label', text: 'Your return label' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    const { mail } = await sent();
    expect(mail.text?.trim()).toBe('Your return label');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['label.pdf', 'application/pdf', '%PDF-1.4 label']]);
    expect(mail.subject).toBe(`Re: Order 1234 is late [#${ticket}]`);
  });

  it('retries a reply the SMTP server answers 451, and sends it once', async () => {
    const attempts = smtp.attempts;
    smtp.failNext(451, '4.3.0 Temporary failure, try again');
    const sent = await nextSent();
    await agentReplies(ticket, 'Second try works');
    const { mail } = await sent();
    expect(mail.text?.trim()).toBe('Second try works');
    expect(smtp.attempts - attempts).toBe(2);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(smtp.received.filter((m) => m.mail.text?.trim() === 'Second try works')).toHaveLength(1);
  });

  it("fails a reply the SMTP server answers 550, with the server's reason in the thread", async () => {
    const attempts = smtp.attempts;
    smtp.failNext(550, '5.7.1 Message rejected as spam');
    await agentReplies(ticket, 'Buy now!!!');
    await expect.poll(() => threadText(ticket), { timeout: 20_000 }).toContain('5.7.1 Message rejected as spam');
    const [{ delivery }] = await sql()<{ delivery: string }[]>`select delivery from messages where text = 'Buy now!!!'`;
    expect(delivery).toBe('failed');
    await new Promise((r) => setTimeout(r, 2_500));
    expect(smtp.attempts - attempts).toBe(1);
  });
});
