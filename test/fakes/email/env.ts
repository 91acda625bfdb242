import type { Dovecot } from './dovecot.ts';
import type { SmtpFake } from './smtp.ts';

/** The desk's own address in the email tests and benchmarks. */
export const SUPPORT = 'support@example.test';

/** The email variables an admin would write for Switchboard reading `dovecot` and sending through `smtp`. */
export function emailEnv(dovecot: Dovecot, smtp: SmtpFake, extra: Record<string, string> = {}): Record<string, string> {
  return {
    IMAP_HOST: dovecot.host,
    IMAP_PORT: String(dovecot.port),
    IMAP_SECURE: 'false',
    IMAP_USER: dovecot.user,
    IMAP_PASSWORD: dovecot.password,
    SMTP_HOST: smtp.host,
    SMTP_PORT: String(smtp.port),
    SMTP_SECURE: 'false',
    SMTP_USER: smtp.user,
    SMTP_PASSWORD: smtp.password,
    EMAIL_FROM: `Example Support <${SUPPORT}>`,
    ...extra,
  };
}
