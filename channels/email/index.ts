/**
 * The email adapter: one mailbox read over IMAP (IDLE, held by one instance at a time) and
 * replies sent over SMTP from any instance. Threads by Message-ID and the `[#N]` subject
 * token; auto-replies, bounces and list mail never open tickets.
 */
import type { ChannelModule } from '../../src/channels/contract.ts';
import { parseEmailSettings, type EmailConfig } from './config.ts';
import { holdMailbox } from './mailbox.ts';
import { EMAIL_CHANNEL } from './parse.ts';
import { emailChannel } from './send.ts';

export type { EmailConfig } from './config.ts';
export { noiseReason, readEmail, type ReadEmail } from './parse.ts';
export { replyMessageId, replySubject } from './send.ts';

/** The email channel module: settings from IMAP_*, SMTP_* and EMAIL_* variables. */
export const emailModule: ChannelModule<EmailConfig> = {
  name: 'email',
  names: [EMAIL_CHANNEL],
  inbound: () => 'connection',
  settings: parseEmailSettings,
  create(config, deps) {
    deps.logger.info(
      { channel: 'email', imap: `${config.imap.host}:${config.imap.port}`, mailbox: config.imap.mailbox, smtp: `${config.smtp.host}:${config.smtp.port}`, from: config.from.address },
      'email: IMAP mailbox held by one instance, replies by SMTP',
    );
    return {
      channels: [emailChannel(config)],
      inbound: { kind: 'connection', start: (sink, signal) => holdMailbox(sink, signal, config, deps) },
    };
  },
};
