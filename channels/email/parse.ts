/**
 * One raw email, as the mailbox holds it, turned into what the core stores: a customer message
 * (cleaned text, files, threading hints, CCs, the original), a delivery report for one of our
 * replies (a bounce), or mail that must never open a ticket (auto-replies, list mail, our own).
 */
import { createHash } from 'node:crypto';
import EmailReplyParser from 'email-reply-parser';
import { convert } from 'html-to-text';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { InboundAttachment, InboundMessage, InboundStatus } from '../../src/channels/contract.ts';
import type { EmailConfig } from './config.ts';

export const EMAIL_CHANNEL = 'email';

export type ReadEmail =
  | { kind: 'message'; message: InboundMessage }
  | { kind: 'bounce'; status: InboundStatus }
  | { kind: 'ignored'; reason: string };

/** Subject prefixes of a reply and of a forward, in the languages mail clients write them. */
const REPLY_PREFIX = /^\s*((re|aw|sv|antw|vs|ref|r|rif|odp)\s*(\[\d+\])?\s*:\s*)+/i;
const FORWARD_PREFIX = /^\s*(fwd?|fw|tr|wg|rv|enc|i)\s*:/i;
const TICKET_TOKEN = /\[#(\d{1,9})\]/;
const HTML_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    // Quoted history and signatures as mail clients mark them in HTML; images arrive as files.
    { selector: 'blockquote', format: 'skip' },
    { selector: '.gmail_quote', format: 'skip' },
    { selector: '.gmail_signature', format: 'skip' },
    { selector: '#divRplyFwdMsg', format: 'skip' },
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['<', '>'] as [string, string] } },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'table', format: 'dataTable' },
  ],
};

/** Reads one message from the mailbox. `raw` is its full source. */
export async function readEmail(raw: Buffer, config: EmailConfig): Promise<ReadEmail> {
  const mail = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const header = headerReader(mail);

  const report = deliveryReport(mail, raw);
  if (report) return report;
  const noise = noiseReason(header);
  if (noise) return { kind: 'ignored', reason: noise };

  const sender = addresses(mail.from)[0];
  if (!sender?.address) return { kind: 'ignored', reason: 'no sender address' };
  const from = sender.address.toLowerCase();
  if (config.ownAddresses.includes(from)) return { kind: 'ignored', reason: 'sent from our own address' };

  const externalId = mail.messageId?.trim() || headerHash(raw);
  const subjectLine = (mail.subject ?? '').trim();
  const forwarded = FORWARD_PREFIX.test(subjectLine);
  // A forward is the forwarder's new request: it joins nothing, whatever it carries along.
  const references = forwarded ? [] : threadIds(mail);
  const hint = forwarded ? undefined : TICKET_TOKEN.exec(subjectLine)?.[1];
  const cc = [...addresses(mail.to), ...addresses(mail.cc)]
    .map((a) => a.address?.toLowerCase())
    .filter((a): a is string => !!a && a !== from && !config.ownAddresses.includes(a));

  const files = attachmentsOf(mail, config.maxAttachmentBytes);
  const text = [bodyText(mail, forwarded), ...files.skipped].filter(Boolean).join('\n\n');
  const subject = subjectLine.replace(REPLY_PREFIX, '').replace(TICKET_TOKEN, '').replace(/\s+/g, ' ').trim();

  const message: InboundMessage = {
    kind: 'message',
    channel: EMAIL_CHANNEL,
    externalId,
    from,
    ...(sender.name ? { name: sender.name } : {}),
    // The thread's first message: a reply the headers cannot place still lands beside its thread.
    conversation: references.at(-1) ?? externalId,
    text,
    attachments: files.kept,
    ...(subject ? { subject } : {}),
    ...(references.length ? { references } : {}),
    ...(hint ? { ticketHint: Number(hint) } : {}),
    ...(cc.length ? { cc: [...new Set(cc)] } : {}),
    original: originalOf(raw, config.maxAttachmentBytes),
    // The language the mail is written in (RFC 3282), else the one the client asks replies in.
    ...languageOf(header),
  };
  return { kind: 'message', message };
}

type Header = (name: string) => string | undefined;

/** Content-Language (`de-AT, en` names the first), else Accept-Language (Outlook writes both). */
function languageOf(header: Header): { language?: string } {
  const tag = (header('content-language') ?? header('accept-language'))?.split(',')[0]?.split(';')[0]?.trim();
  return tag ? { language: tag } : {};
}

/** A header's value as written (unfolded), by name; the first when it repeats. */
function headerReader(mail: ParsedMail): Header {
  const lines = new Map<string, string>();
  for (const { key, line } of mail.headerLines) {
    if (!lines.has(key)) lines.set(key, line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return (name) => lines.get(name.toLowerCase());
}

/**
 * Why this mail must not open a ticket, or undefined: auto-replies (RFC 3834 Auto-Submitted,
 * the X-Autoreply/X-Autorespond of older responders), list and bulk mail, and mail with an
 * empty Return-Path (bounces and other notifications by RFC 5321's rule).
 */
export function noiseReason(header: Header): string | undefined {
  const autoSubmitted = header('auto-submitted');
  if (autoSubmitted && !/^no\b/i.test(autoSubmitted)) return `Auto-Submitted: ${autoSubmitted}`;
  if (header('x-autoreply') !== undefined) return 'X-Autoreply';
  if (header('x-autorespond') !== undefined) return 'X-Autorespond';
  const precedence = header('precedence');
  if (precedence && /^(bulk|junk|list)\b/i.test(precedence)) return `Precedence: ${precedence}`;
  if (header('list-id') !== undefined) return 'List-Id (mailing list)';
  const returnPath = header('return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) return 'empty Return-Path';
  return undefined;
}

/**
 * A delivery status notification (RFC 3464, `multipart/report; report-type=delivery-status`):
 * a failure of one of our replies becomes a `failed` status for it, with the server's reason.
 * Delays and successes are noted nowhere: the reply stays as it was.
 */
function deliveryReport(mail: ParsedMail, raw: Buffer): ReadEmail | undefined {
  const type = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (type?.value?.toLowerCase() !== 'multipart/report' || type.params?.['report-type']?.toLowerCase() !== 'delivery-status') return undefined;
  const source = raw.toString('latin1');
  const start = source.search(/content-type:\s*message\/(global-)?delivery-status/i);
  if (start < 0) return { kind: 'ignored', reason: 'a delivery report without a delivery-status part' };
  const report = source.slice(start).replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+?)\\s*$`, 'im').exec(report)?.[1];
  const action = field('Action')?.toLowerCase();
  if (action !== 'failed') return { kind: 'ignored', reason: `a delivery report (${action ?? 'no action'})` };
  // The returned headers (text/rfc822-headers or message/rfc822) follow the status part.
  const original = /^Message-ID:\s*(<[^>\s]+>)/im.exec(report)?.[1];
  if (!original) return { kind: 'ignored', reason: 'a bounce that does not say which message failed' };
  const status = field('Status');
  const diagnostic = field('Diagnostic-Code')?.replace(/^smtp;\s*/i, '');
  const recipient = field('Final-Recipient')?.replace(/^rfc822;\s*/i, '');
  const reason = [diagnostic ?? `delivery failed${status ? ` (${status})` : ''}`, recipient ? `(to ${recipient})` : ''].filter(Boolean).join(' ');
  return {
    kind: 'bounce',
    status: { kind: 'status', channel: EMAIL_CHANNEL, externalId: original, state: 'failed', error: { ...(status ? { code: status } : {}), reason } },
  };
}

/** The Message-IDs this one answers: In-Reply-To, then References newest first, each once. */
function threadIds(mail: ParsedMail): string[] {
  const references = typeof mail.references === 'string' ? mail.references.split(/\s+/) : (mail.references ?? []);
  const ids = [mail.inReplyTo, ...[...references].reverse()].map((id) => id?.trim()).filter((id): id is string => !!id && /^<[^>\s]+>$/.test(id));
  return [...new Set(ids)];
}

/** A stable id for a message without a Message-ID: the hash of its header block. */
function headerHash(raw: Buffer): string {
  return `<${createHash('sha256').update(headerBlock(raw)).digest('hex').slice(0, 40)}@no-message-id.switchboard>`;
}

/** The message's header block: everything before the first empty line. */
function headerBlock(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const end = crlf >= 0 ? crlf : raw.indexOf('\n\n');
  return end >= 0 ? raw.subarray(0, end) : raw;
}

/**
 * What the customer wrote, for Slack: the plain-text part (or the HTML part made readable),
 * without quoted history and signature. A forward keeps everything: what it carries is the
 * point. When nothing is left (a reply that only quotes), the whole text is kept.
 */
function bodyText(mail: ParsedMail, forwarded: boolean): string {
  const full = (mail.text?.trim() ? mail.text : mail.html ? convert(mail.html, HTML_OPTIONS) : '').replace(/\r\n/g, '\n').trim();
  if (forwarded || !full) return full;
  const visible = new EmailReplyParser().read(full).getVisibleText().trim();
  return visible || full;
}

/** The customer's files and inline images; those over the limit are named instead. */
function attachmentsOf(mail: ParsedMail, maxBytes: number): { kept: InboundAttachment[]; skipped: string[] } {
  const kept: InboundAttachment[] = [];
  const skipped: string[] = [];
  mail.attachments.forEach((file, i) => {
    const name = file.filename ?? `${file.related ? 'inline' : 'attachment'}-${i + 1}${extensionOf(file.contentType)}`;
    if (file.size > maxBytes) skipped.push(`[file not kept: ${name} (${megabytes(file.size)}) is over the ${megabytes(maxBytes)} limit]`);
    else kept.push({ name, contentType: file.contentType, data: new Uint8Array(file.content) });
  });
  return { kept, skipped };
}

/** The source as it arrived; when it is too large to keep, its headers. */
function originalOf(raw: Buffer, maxBytes: number): InboundAttachment {
  if (raw.byteLength <= maxBytes) return { name: 'original.eml', contentType: 'message/rfc822', data: new Uint8Array(raw) };
  return { name: 'original-headers.txt', contentType: 'text/plain', data: new Uint8Array(headerBlock(raw)) };
}

function addresses(field: AddressObject | AddressObject[] | undefined): { address?: string; name: string }[] {
  const objects = Array.isArray(field) ? field : field ? [field] : [];
  // Groups ("undisclosed-recipients:;") hold their members one level down.
  return objects.flatMap((o) => o.value).flatMap((a) => (a.group ? a.group : [a])).filter((a) => a.address);
}

function extensionOf(contentType: string): string {
  const sub = contentType.split('/')[1]?.split(/[;+]/)[0];
  return sub && /^[a-z0-9]{1,5}$/i.test(sub) ? `.${sub === 'jpeg' ? 'jpg' : sub}` : '';
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
