import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;

/** The levels LOG_LEVEL accepts, most severe first (`silent` writes nothing). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// Anything that can carry a secret is censored wherever it appears in a log object.
const REDACT = [
  'token', '*.token', 'password', '*.password', 'secret', '*.secret', 'authToken', '*.authToken',
  'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
  'headers.cookie', '*.headers.cookie', 'databaseUrl', '*.databaseUrl',
];

/** LOG_FORMAT: `pretty` (coloured lines for a person) or `json` (JSON lines for a collector). */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** LOG_FORMAT when set; otherwise pretty when standard output is a terminal, JSON lines when it is not. */
export function resolveLogFormat(format: LogFormat | undefined, stdoutIsTty = process.stdout.isTTY === true): LogFormat {
  return format ?? (stdoutIsTty ? 'pretty' : 'json');
}

const context = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * Runs `fn` with fields (a request id, a job id) that every log line written inside it
 * carries, however deep the call.
 */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** Adds fields to the current context once they are known (the ticket number of a request). */
export function addLogContext(fields: Record<string, unknown>): void {
  const store = context.getStore();
  if (store) Object.assign(store, fields);
}

/**
 * The logger: JSON lines (or, for a terminal, pretty lines: `format`); secrets are censored by
 * key wherever they appear, before either is written.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, format?: LogFormat): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
    },
    // Standard output written asynchronously: under load, lines that come while a write is
    // under way leave together in the next one instead of one blocking write per line. pino
    // flushes what is left when the process exits.
    destination ?? standardOutput(resolveLogFormat(format)),
  );
}

function standardOutput(format: LogFormat): pino.DestinationStream {
  if (format === 'json') return pino.destination({ dest: 1, sync: false });
  // In this thread (no worker transport): a person at a terminal reads a few lines a second.
  return pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true });
}
