import addressparser from 'nodemailer/lib/addressparser';
import type { ChannelSettings } from '../../src/channels/contract.ts';
import type { EnvReader } from '../../src/shared/env.ts';

/** Everything the email adapter needs, parsed once at start-up from the environment. */
export interface EmailConfig {
  imap: { host: string; port: number; secure: boolean; user: string; password: string; mailbox: string };
  smtp: { host: string; port: number; secure: boolean; auth?: { user: string; password: string } };
  /** Who replies come from. */
  from: { address: string; name?: string };
  /** Our own addresses (EMAIL_FROM's, the mailbox's login when it is one): never a customer, never copied. */
  ownAddresses: string[];
  /** Where processed mail is moved (EMAIL_PROCESSED_MAILBOX); left in the mailbox, flagged \Seen, without one. */
  processedMailbox?: string;
  /** Customer files larger than this are named in the message, not kept (EMAIL_MAX_ATTACHMENT_MB). */
  maxAttachmentBytes: number;
  /** Our Message-IDs end in this domain: EMAIL_FROM's. */
  messageIdDomain: string;
}

const HOST = /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/;
/** What providers accept for one message, files included (Gmail and Microsoft 365: 25 MB). */
const DEFAULT_MAX_ATTACHMENT_MB = 25;

/**
 * Reads the email variables: on when the IMAP and SMTP settings are complete (IMAP_HOST,
 * IMAP_USER, IMAP_PASSWORD, SMTP_HOST, EMAIL_FROM; SMTP_USER and SMTP_PASSWORD default to the
 * IMAP login, as one mailbox usually has one). Starts from IMAP_HOST or SMTP_HOST being set:
 * with either set, whatever else is missing is named.
 */
export function parseEmailSettings(env: EnvReader): ChannelSettings<EmailConfig> {
  const before = env.problems.length;
  const imapHost = host(env, 'IMAP_HOST');
  const smtpHost = host(env, 'SMTP_HOST');
  const imapSecure = env.boolean('IMAP_SECURE');
  const imapPort = env.number('IMAP_PORT', { fallback: imapSecure === false ? 143 : 993, integer: true, min: 1, max: 65535, what: 'a port number' });
  const smtpSecure = env.boolean('SMTP_SECURE');
  const smtpPort = env.number('SMTP_PORT', { fallback: smtpSecure === true ? 465 : 587, integer: true, min: 1, max: 65535, what: 'a port number' });
  const imapUser = env.text('IMAP_USER');
  const imapPassword = env.raw('IMAP_PASSWORD');
  const smtpUser = env.text('SMTP_USER');
  const smtpPassword = env.raw('SMTP_PASSWORD');
  if (smtpUser && !smtpPassword) env.problem('SMTP_PASSWORD', 'must be set when SMTP_USER is');
  const mailbox = env.text('IMAP_MAILBOX') ?? 'INBOX';
  const processedMailbox = env.text('EMAIL_PROCESSED_MAILBOX');
  const maxMb = env.number('EMAIL_MAX_ATTACHMENT_MB', { fallback: DEFAULT_MAX_ATTACHMENT_MB, positive: true, max: 1024 });
  const from = fromAddress(env);

  const required: [string, unknown][] = [
    ['IMAP_HOST', imapHost],
    ['IMAP_USER', imapUser],
    ['IMAP_PASSWORD', imapPassword],
    ['SMTP_HOST', smtpHost],
    ['EMAIL_FROM', from ?? env.text('EMAIL_FROM')],
  ];
  const missing = required.filter(([, value]) => value === undefined).map(([name]) => name);
  if (!env.text('IMAP_HOST') && !env.text('SMTP_HOST')) return { enabled: false, missing };
  if (missing.length > 0) {
    for (const name of missing) if (!env.text(name)) env.problem(name, 'must be set for the email channel (IMAP_HOST or SMTP_HOST is set)');
    return { enabled: false, missing };
  }
  if (env.problems.length > before || !from) return { enabled: false, missing: [] };

  // Resolved by the secure flag when it is set, else by the port (993 and 465 are TLS from the start).
  const imapTls = imapSecure ?? imapPort === 993;
  const smtpTls = smtpSecure ?? smtpPort === 465;
  const login = smtpUser ? { user: smtpUser, password: smtpPassword! } : { user: imapUser!, password: imapPassword! };
  const ownAddresses = [...new Set([from.address, ...(imapUser!.includes('@') ? [imapUser!.toLowerCase()] : [])])];
  return {
    enabled: true,
    config: {
      imap: { host: imapHost!, port: imapPort, secure: imapTls, user: imapUser!, password: imapPassword!, mailbox },
      smtp: { host: smtpHost!, port: smtpPort, secure: smtpTls, auth: login },
      from,
      ownAddresses,
      ...(processedMailbox ? { processedMailbox } : {}),
      maxAttachmentBytes: Math.round(maxMb * 1024 * 1024),
      messageIdDomain: from.address.split('@')[1]!,
    },
  };
}

function host(env: EnvReader, name: string): string | undefined {
  const value = env.text(name);
  if (value && !HOST.test(value)) return env.problem(name, 'must be a host name or an IP address, without a scheme or a port');
  return value;
}

/** EMAIL_FROM: `support@example.com` or `Example Support <support@example.com>`. */
function fromAddress(env: EnvReader): EmailConfig['from'] | undefined {
  const value = env.text('EMAIL_FROM');
  if (!value) return undefined;
  const parsed = addressparser(value, { flatten: true });
  const first = parsed.length === 1 ? parsed[0] : undefined;
  if (!first?.address || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(first.address)) {
    return env.problem('EMAIL_FROM', 'must be an address, like support@example.com or "Example Support <support@example.com>"');
  }
  return { address: first.address.toLowerCase(), ...(first.name ? { name: first.name } : {}) };
}
