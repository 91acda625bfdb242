/**
 * Raw RFC 5322 messages for tests, the way other people's mail clients and servers write them:
 * customer mail, replies threaded by In-Reply-To/References, auto-replies (extra headers),
 * HTML-only mail, inline images by cid, and Postfix's delivery status notifications. Built
 * with nodemailer's MailComposer (not our own code), then delivered with Dovecot#deliver.
 */
import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';

export interface ComposeAttachment {
  filename: string;
  content: Buffer | string;
  contentType?: string;
  /** Content-ID for an inline image the HTML refers to as `cid:<cid>`. */
  cid?: string;
  contentDisposition?: 'inline' | 'attachment';
}

export interface ComposeInput {
  from: string;
  to: string | string[];
  cc?: string | string[];
  subject?: string;
  text?: string;
  html?: string;
  /** With or without angle brackets; MailComposer writes a random one when left out. */
  messageId?: string;
  inReplyTo?: string;
  references?: string | string[];
  date?: Date;
  /** Extra headers, e.g. `Auto-Submitted: auto-replied`, `Precedence: bulk`, `X-Autoreply: yes`. */
  headers?: Record<string, string>;
  attachments?: ComposeAttachment[];
}

/** Builds the raw message (CRLF line ends). */
export async function composeMail(m: ComposeInput): Promise<Buffer> {
  const composer = new MailComposer({
    from: m.from,
    to: m.to,
    cc: m.cc,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    references: m.references,
    date: m.date,
    headers: m.headers,
    attachments: m.attachments?.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      cid: a.cid,
      contentDisposition: a.contentDisposition,
    })),
    newline: 'win',
  });
  return composer.compile().build();
}

export interface BouncedMessage {
  /** The bounced message's Message-ID, with or without angle brackets. */
  messageId: string;
  /** The recipient that does not exist. */
  to: string;
  /** Who sent it (the desk): the DSN goes back to this address. */
  from: string;
  subject: string;
  date?: Date;
  /**
   * The original message as sent (e.g. `smtp.received[0].raw`): its header block is returned
   * verbatim. Without it the headers are rebuilt from the fields above.
   */
  raw?: Buffer | string;
}

/**
 * A delivery status notification (RFC 3464) for `original`, byte for byte in the layout
 * Postfix's bounce daemon writes: from MAILER-DAEMON with a null Return-Path, a
 * multipart/report with the human-readable notification, the message/delivery-status part
 * (Final-Recipient, Action: failed, Status from the reason, Diagnostic-Code: smtp; reason) and
 * the original's headers, Message-ID included, as text/rfc822-headers.
 */
export function bounceFor(original: BouncedMessage, reason = `550 5.1.1 <${bare(original.to)}>: Recipient address rejected: User unknown`): Buffer {
  const recipient = bare(original.to);
  const sender = bare(original.from);
  const mta = `mail.${domainOf(sender)}`;
  const remote = `mx.${domainOf(recipient)}`;
  const queueId = randomBytes(5).toString('hex').toUpperCase();
  const sent = original.date ?? new Date(Date.now() - 2_000);
  const now = new Date();
  const boundary = `${queueId}.${Math.floor(now.getTime() / 1000)}/${mta}`;
  const status = reason.match(/\b([245]\.\d{1,3}\.\d{1,3})\b/)?.[1] ?? '5.0.0';
  const originalHeaders = original.raw !== undefined ? headerBlock(original.raw) : rebuiltHeaders(original, sender, recipient, mta, sent);

  const lines = [
    'Return-Path: <>',
    `Received: by ${mta} (Postfix)`,
    `\tid ${queueId}; ${postfixDate(now)}`,
    `Date: ${postfixDate(now)}`,
    `From: MAILER-DAEMON@${mta} (Mail Delivery System)`,
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${sender}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    `\tboundary="${boundary}"`,
    'Content-Transfer-Encoding: 7bit',
    `Message-Id: <${stamp(now)}.${queueId}@${mta}>`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is the mail system at host ${mta}.`,
    '',
    "I'm sorry to have to inform you that your message could not",
    "be delivered to one or more recipients. It's attached below.",
    '',
    'For further assistance, please send mail to postmaster.',
    '',
    'If you do so, please include this problem report. You can',
    'delete your own text from the attached returned message.',
    '',
    '                   The mail system',
    '',
    ...fold(`<${recipient}>: host ${remote}[192.0.2.25] said: ${reason} (in reply to RCPT TO command)`),
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${mta}`,
    `X-Postfix-Queue-ID: ${queueId}`,
    `X-Postfix-Sender: rfc822; ${sender}`,
    `Arrival-Date: ${postfixDate(sent)}`,
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    'Action: failed',
    `Status: ${status}`,
    `Remote-MTA: dns; ${remote}`,
    ...fold(`Diagnostic-Code: smtp; ${reason}`),
    '',
    `--${boundary}`,
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    'Content-Transfer-Encoding: 7bit',
    '',
    ...originalHeaders,
    '',
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

/** The original's headers as they left the desk's MTA. */
function rebuiltHeaders(original: BouncedMessage, sender: string, recipient: string, mta: string, sent: Date): string[] {
  const id = original.messageId.startsWith('<') ? original.messageId : `<${original.messageId}>`;
  return [
    `Return-Path: <${sender}>`,
    `Received: by ${mta} (Postfix, from userid 1000)`,
    `\tid ${randomBytes(5).toString('hex').toUpperCase()}; ${postfixDate(sent)}`,
    `From: ${original.from}`,
    `To: ${original.to}`,
    `Subject: ${encodeWord(original.subject)}`,
    `Message-ID: ${id}`,
    `Date: ${sent.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
  ];
}

/** A raw message's header block (up to the first empty line), as lines. */
function headerBlock(raw: Buffer | string): string[] {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).split(/\r?\n/);
}

/** Postfix's date: `Tue,  2 Dec 2025 17:55:50 +0000 (UTC)` (day padded with a space). */
function postfixDate(d: Date): string {
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const time = d.toISOString().slice(11, 19);
  return `${day}, ${String(d.getUTCDate()).padStart(2, ' ')} ${month} ${d.getUTCFullYear()} ${time} +0000 (UTC)`;
}

/** 20251202175550, as in Postfix's own Message-Id. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Folds a line at spaces before 78 columns, continuing with four spaces as Postfix does. */
function fold(line: string): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > 78) {
    const at = rest.lastIndexOf(' ', 78);
    if (at <= 4) break;
    out.push(rest.slice(0, at));
    rest = `    ${rest.slice(at + 1)}`;
  }
  out.push(rest);
  return out;
}

function bare(address: string): string {
  return address.match(/<([^>]*)>/)?.[1] ?? address.trim();
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'localhost';
}

/** An RFC 2047 encoded word for a non-ASCII subject. */
function encodeWord(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`;
}
