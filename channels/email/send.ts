/**
 * Replies by SMTP (nodemailer): from EMAIL_FROM to the customer and the people they copied,
 * threaded under the conversation (our own Message-ID, In-Reply-To, References) with the
 * ticket's number in the subject, as plain text with a simple HTML alternative, and the files
 * the agent posted as attachments.
 */
import { createTransport } from 'nodemailer';
import { ChannelSendError, type Channel, type OutboundMessage } from '../../src/channels/contract.ts';
import type { EmailConfig } from './config.ts';
import { EMAIL_CHANNEL } from './parse.ts';

/** Long replies are fine by mail; this only stops a runaway paste. */
const MAX_REPLY_TEXT = 200_000;
const REPLY_PREFIX = /^\s*((re|aw|sv|antw|vs|fwd?|fw)\s*:\s*)+/i;
const TICKET_TOKEN = /\s*\[#\d{1,9}\]\s*/g;

/** The Message-ID of our reply: the same on every retry, so a resend is recognisably one message. */
export function replyMessageId(message: Pick<OutboundMessage, 'id'>, domain: string): string {
  return `<${message.id}@${domain}>`;
}

/** `Re: <subject> [#N]`, however many Re:s and tokens the subject had gathered. */
export function replySubject(subject: string | undefined, ticket: number): string {
  const bare = (subject ?? '').replace(TICKET_TOKEN, ' ').replace(REPLY_PREFIX, '').replace(/\s+/g, ' ').trim();
  return `Re: ${bare || 'Your request'} [#${ticket}]`;
}

export function emailChannel(config: EmailConfig): Channel {
  const transport = createTransport({
    host: config.smtp.host,
    port: config.smtp.port,
    secure: config.smtp.secure,
    ...(config.smtp.auth ? { auth: { user: config.smtp.auth.user, pass: config.smtp.auth.password } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    name: EMAIL_CHANNEL,
    limits: { maxTextLength: MAX_REPLY_TEXT, maxAttachmentBytes: config.maxAttachmentBytes },
    async send(message) {
      const messageId = replyMessageId(message, config.messageIdDomain);
      const attachments = await Promise.all(
        message.attachments.map(async (file) => ({ filename: file.name, contentType: file.contentType, content: Buffer.from(await file.read()) })),
      );
      try {
        await transport.sendMail({
          from: config.from.name ? { name: config.from.name, address: config.from.address } : config.from.address,
          to: message.to,
          ...(message.cc?.length ? { cc: message.cc } : {}),
          subject: replySubject(message.subject, message.ticket),
          messageId,
          ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
          ...(message.references.length ? { references: message.references } : {}),
          text: message.text,
          html: simpleHtml(message.text),
          attachments,
          // The envelope sender bounces come back to: our mailbox, where they mark the reply failed.
          envelope: { from: config.from.address, to: [message.to, ...(message.cc ?? [])] },
        });
      } catch (error) {
        throw sendError(error);
      }
      return { externalId: messageId };
    },
  };
}

/**
 * SMTP's verdicts: 4xx is "try again later", 5xx is final (RFC 5321 §4.2.1). A connection that
 * failed, timed out or dropped is retried too.
 */
function sendError(error: unknown): ChannelSendError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const reason = (e.response ?? e.message ?? String(error)).trim();
  if (typeof e.responseCode === 'number') {
    const login = e.code === 'EAUTH' ? 'the SMTP server refused the login (check SMTP_USER and SMTP_PASSWORD): ' : '';
    return new ChannelSendError(`${login}${reason}`, { retryable: e.responseCode < 500, code: String(e.responseCode), cause: error });
  }
  return new ChannelSendError(`the SMTP server could not be reached: ${reason}`, { retryable: true, code: e.code ?? 'smtp', cause: error });
}

/** The reply as simple HTML: escaped, paragraphs kept, links clickable. */
function simpleHtml(text: string): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const paragraphs = text
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .map((p) => `<p>${escape(p).replace(/\bhttps?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`).replace(/\n/g, '<br>')}</p>`);
  return `<!doctype html><html><body style="font-family: sans-serif; font-size: 14px;">${paragraphs.join('\n')}</body></html>`;
}
