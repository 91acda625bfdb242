/**
 * An SMTP submission server for tests: the real SMTP implementation of the smtp-server package
 * on 127.0.0.1 and a free port, requiring AUTH PLAIN/LOGIN over plain TCP (no TLS, no
 * STARTTLS), so the channel's nodemailer transport talks actual SMTP. It records every
 * accepted message (envelope, raw bytes, parsed) and can answer the next DATA commands with a
 * chosen reply (451 temporary, 550 permanent), so tests prove 4xx is retried and 5xx is not.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface SmtpFakeOptions {
  /** The AUTH user (default support@example.test). */
  user?: string;
  /** Its password (default secret). */
  password?: string;
}

/** One message the server accepted. */
export interface ReceivedMail {
  /** The SMTP envelope: MAIL FROM (empty for a null sender) and every RCPT TO. */
  envelope: { from: string; to: string[] };
  /** The message exactly as sent after DATA (dot-unstuffed). */
  raw: Buffer;
  mail: ParsedMail;
  /** The user the session authenticated as. */
  user: string | undefined;
}

export interface SmtpFake {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Accepted messages, oldest first. */
  readonly received: readonly ReceivedMail[];
  /** DATA commands seen, accepted or failed on purpose. */
  readonly attempts: number;
  /** AUTH attempts refused with 535. */
  readonly authFailures: number;
  /** Resolves with `received` once `count` messages were accepted; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<readonly ReceivedMail[]>;
  /** Answers the next `times` DATA commands with `code message` instead of accepting them. */
  failNext(code: number, message: string, times?: number): void;
  close(): Promise<void>;
}

/** Starts the server; close() it when the test ends. */
export async function startSmtp(options: SmtpFakeOptions = {}): Promise<SmtpFake> {
  const user = options.user ?? 'support@example.test';
  const password = options.password ?? 'secret';
  const received: ReceivedMail[] = [];
  const failures: { code: number; message: string }[] = [];
  const waiters = new Set<() => void>();
  let attempts = 0;
  let authFailures = 0;

  const server = new SMTPServer({
    secure: false,
    // Plain TCP on loopback, as the channel's "secure: false, ignoreTLS" settings expect.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    logger: false,
    // Quick close() at the end of a test even with a pooled client still connected.
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) return callback(null, { user: auth.username });
      authFailures++;
      // smtp-server answers an onAuth error with 535 unless it carries another responseCode.
      callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      attempts++;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const failure = failures.shift();
        if (failure) return callback(Object.assign(new Error(failure.message), { responseCode: failure.code }));
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            received.push({ envelope: envelopeOf(session), raw, mail, user: typeof session.user === 'string' ? session.user : undefined });
            for (const waiter of waiters) waiter();
            callback(null, 'OK: queued');
          },
          (error: Error) => callback(error),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client dropping mid-session is normal in tests; an unhandled 'error' would crash the worker.
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    received,
    get attempts() {
      return attempts;
    },
    get authFailures() {
      return authFailures;
    },
    failNext(code, message, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ code, message });
    },
    waitFor(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          cleanup();
          resolve(received);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`SMTP fake: ${received.length} of ${count} messages within ${timeoutMs} ms (${attempts} DATA attempts)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    },
  };
}

function envelopeOf(session: SMTPServerSession): ReceivedMail['envelope'] {
  const { mailFrom, rcptTo } = session.envelope;
  return { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((rcpt) => rcpt.address) };
}
