import { describe, expect, it } from 'vitest';
import { readEmail, replySubject, type EmailConfig } from '../../../channels/email/index.ts';
import { parseEmailSettings } from '../../../channels/email/config.ts';
import { EnvReader } from '../../../src/shared/env.ts';
import { bounceFor, composeMail } from '../../fakes/email/compose.ts';

const env = {
  IMAP_HOST: 'imap.example.test',
  IMAP_USER: 'support@example.test',
  IMAP_PASSWORD: 'secret',
  SMTP_HOST: 'smtp.example.test',
  EMAIL_FROM: 'Example Support <support@example.test>',
};
const settings = parseEmailSettings(new EnvReader(env));
if (!settings.enabled) throw new Error('test settings must be complete');
const config: EmailConfig = { ...settings.config, maxAttachmentBytes: 1024 };

async function message(raw: Buffer) {
  const read = await readEmail(raw, config);
  if (read.kind !== 'message') throw new Error(`expected a message, got ${read.kind}: ${'reason' in read ? read.reason : ''}`);
  return read.message;
}

describe('email settings', () => {
  it('are off, naming nothing, when no email variable is set', () => {
    const reader = new EnvReader({});
    expect(parseEmailSettings(reader)).toEqual({ enabled: false, missing: ['IMAP_HOST', 'IMAP_USER', 'IMAP_PASSWORD', 'SMTP_HOST', 'EMAIL_FROM'] });
    expect(reader.problems).toEqual([]);
  });

  it('name every missing variable once IMAP or SMTP is set', () => {
    const reader = new EnvReader({ IMAP_HOST: 'imap.example.test', IMAP_PASSWORD: 'hunter2' }, new Set(['IMAP_PASSWORD']));
    expect(parseEmailSettings(reader).enabled).toBe(false);
    expect(reader.problems.map((p) => p.variable)).toEqual(['IMAP_USER', 'SMTP_HOST', 'EMAIL_FROM']);
  });

  it('refuse a From that is not an address, and a bad port, naming the variables', () => {
    const reader = new EnvReader({ ...env, EMAIL_FROM: 'support desk', IMAP_PORT: 'imaps', SMTP_SECURE: 'maybe' });
    expect(parseEmailSettings(reader).enabled).toBe(false);
    expect(reader.problems.map((p) => p.variable).sort()).toEqual(['EMAIL_FROM', 'IMAP_PORT', 'SMTP_SECURE']);
  });

  it('default to TLS on 993 and submission on 587, the SMTP login to the mailbox\'s', () => {
    expect(settings.enabled && settings.config).toMatchObject({
      imap: { port: 993, secure: true, mailbox: 'INBOX' },
      smtp: { port: 587, secure: false, auth: { user: 'support@example.test', password: 'secret' } },
      from: { address: 'support@example.test', name: 'Example Support' },
      messageIdDomain: 'example.test',
    });
  });
});

describe('reading an email', () => {
  it('keeps what the customer wrote and drops the quoted history and the signature', async () => {
    const raw = await composeMail({
      from: 'Ada <ada@customer.test>',
      to: 'support@example.test',
      subject: 'Re: Order 1234 is late [#7]',
      messageId: '<reply-1@customer.test>',
      inReplyTo: '<ours-1@example.test>',
      references: ['<first-1@customer.test>', '<ours-1@example.test>'],
      text: 'It still has not arrived.\n\n-- \nAda Lovelace\nAnalytical Engines Ltd\n\nOn Mon, 1 Dec 2026 at 10:00, Example Support <support@example.test> wrote:\n> We shipped it on Friday.\n> Tracking: 123\n',
    });
    const m = await message(raw);
    expect(m.text).toBe('It still has not arrived.');
    expect(m).toMatchObject({
      channel: 'email',
      externalId: '<reply-1@customer.test>',
      from: 'ada@customer.test',
      name: 'Ada',
      subject: 'Order 1234 is late',
      ticketHint: 7,
      references: ['<ours-1@example.test>', '<first-1@customer.test>'],
      conversation: '<first-1@customer.test>',
    });
    expect(Buffer.from(m.original!.data).equals(raw)).toBe(true);
  });

  it('makes an HTML-only mail readable, without its quoted part', async () => {
    const m = await message(
      await composeMail({
        from: 'bob@customer.test',
        to: 'support@example.test',
        subject: 'Invoice',
        html: '<div><p>Hello,</p><p>Please send the <b>invoice</b> for <a href="https://shop.test/o/9">order 9</a>.</p><ul><li>PDF</li><li>by Friday</li></ul></div><div class="gmail_quote">On Monday you wrote:<blockquote>old text</blockquote></div>',
      }),
    );
    expect(m.text).toContain('Hello,');
    expect(m.text).toContain('Please send the invoice for order 9 <https://shop.test/o/9>.');
    expect(m.text).toMatch(/\* PDF\n\s*\* by Friday/);
    expect(m.text).not.toMatch(/<\/?[a-z]+[ >]/i); // no markup left
    expect(m.text).not.toContain('old text');
  });

  it('keeps the customer\'s To and Cc, without our own address and theirs', async () => {
    const m = await message(
      await composeMail({ from: 'ada@customer.test', to: ['support@example.test', 'Boss <BOSS@customer.test>'], cc: 'ada@customer.test, it@customer.test', subject: 'Hi', text: 'Hi' }),
    );
    expect(m.cc).toEqual(['boss@customer.test', 'it@customer.test']);
  });

  it('treats a forward as a new request from the forwarder, whatever it carries', async () => {
    const m = await message(
      await composeMail({ from: 'ada@customer.test', to: 'support@example.test', subject: 'Fwd: Re: Order late [#7]', inReplyTo: '<ours-1@example.test>', text: '---------- Forwarded message ---------\nFrom: Shop\n\nYour order shipped' }),
    );
    expect(m.references).toBeUndefined();
    expect(m.ticketHint).toBeUndefined();
    expect(m.conversation).toBe(m.externalId);
    expect(m.text).toContain('Your order shipped');
  });

  it('gives mail without a Message-ID the same stable id every time it is read', async () => {
    const raw = Buffer.from('From: ada@customer.test\r\nTo: support@example.test\r\nSubject: no id\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nHello\r\n');
    const [a, b] = [await message(raw), await message(raw)];
    expect(a.externalId).toMatch(/^<[0-9a-f]{40}@no-message-id\.switchboard>$/);
    expect(b.externalId).toBe(a.externalId);
  });

  it('keeps files and inline images, and names a file over the limit instead of keeping it', async () => {
    const m = await message(
      await composeMail({
        from: 'ada@customer.test',
        to: 'support@example.test',
        subject: 'Screens',
        html: '<p>See <img src="cid:shot@x"></p>',
        attachments: [
          { filename: 'shot.png', content: Buffer.from('png-bytes'), contentType: 'image/png', cid: 'shot@x', contentDisposition: 'inline' },
          { filename: 'log.txt', content: 'a log line' },
          { filename: 'huge.bin', content: Buffer.alloc(2048, 1), contentType: 'application/octet-stream' },
        ],
      }),
    );
    expect(m.attachments.map((a) => [a.name, a.contentType, Buffer.from(a.data).toString()])).toEqual([
      ['shot.png', 'image/png', 'png-bytes'],
      ['log.txt', 'text/plain', 'a log line'],
    ]);
    expect(m.text).toContain('[file not kept: huge.bin (0.0 MB) is over the 0.0 MB limit]');
    // Over the limit itself, the original is kept as its headers.
    expect(m.original?.name).toBe('original-headers.txt');
  });
});

describe('mail that must not open a ticket', () => {
  const base = { from: 'ada@customer.test', to: 'support@example.test', subject: 'Out of office', text: 'I am away' };
  it.each([
    ['Auto-Submitted: auto-replied', { 'Auto-Submitted': 'auto-replied' }],
    ['X-Autoreply', { 'X-Autoreply': 'yes' }],
    ['X-Autorespond', { 'X-Autorespond': 'Vacation' }],
    ['Precedence: bulk', { Precedence: 'bulk' }],
    ['Precedence: list', { Precedence: 'list' }],
    ['List-Id', { 'List-Id': 'News <news.shop.test>' }],
    ['an empty Return-Path', { 'Return-Path': '<>' }],
  ])('%s is ignored', async (_, headers) => {
    const read = await readEmail(await composeMail({ ...base, headers }), config);
    expect(read.kind).toBe('ignored');
  });

  it('Auto-Submitted: no is a person writing', async () => {
    expect((await readEmail(await composeMail({ ...base, headers: { 'Auto-Submitted': 'no' } }), config)).kind).toBe('message');
  });

  it('our own mail coming back is ignored', async () => {
    expect((await readEmail(await composeMail({ ...base, from: 'Support <Support@Example.test>' }), config)).kind).toBe('ignored');
  });

  it('a bounce of our reply is a failed delivery of it, with the server\'s reason', async () => {
    const read = await readEmail(bounceFor({ messageId: '<reply-9@example.test>', to: 'gone@customer.test', from: 'support@example.test', subject: 'Re: Hi [#3]' }), config);
    expect(read).toEqual({
      kind: 'bounce',
      status: {
        kind: 'status',
        channel: 'email',
        externalId: '<reply-9@example.test>',
        state: 'failed',
        error: { code: '5.1.1', reason: '550 5.1.1 <gone@customer.test>: Recipient address rejected: User unknown (to gone@customer.test)' },
      },
    });
  });
});

describe('reply subjects', () => {
  it('are Re: <subject> [#N], however many Re:s and tokens the subject had', () => {
    expect(replySubject('Order late', 7)).toBe('Re: Order late [#7]');
    expect(replySubject('RE: Re: Order late [#7]', 7)).toBe('Re: Order late [#7]');
    expect(replySubject(undefined, 8)).toBe('Re: Your request [#8]');
  });
});

describe("the customer's language", () => {
  it('is the first Content-Language, else the Accept-Language a client asks replies in, else unknown', async () => {
    const mail = (headers: Record<string, string>) => composeMail({ from: 'ana@customer.test', to: 'support@example.test', subject: 'Hola', text: 'Hola', headers });
    expect((await message(await mail({ 'Content-Language': 'es-MX, en' }))).language).toBe('es-MX');
    expect((await message(await mail({ 'Accept-Language': 'pt-BR, en-US;q=0.8' }))).language).toBe('pt-BR');
    expect((await message(await mail({}))).language).toBeUndefined();
  });
});
