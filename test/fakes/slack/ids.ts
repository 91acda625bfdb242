import { randomBytes, randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A Slack-looking id: a type letter (C, U, B, A, F, V, Ev…) and upper-case alphanumerics. */
export function slackId(prefix: string, length = 10): string {
  let id = prefix;
  for (let i = 0; i < length; i += 1) id += ALNUM[randomInt(ALNUM.length)];
  return id;
}

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * Message timestamps: "seconds.microseconds" from the wall clock, strictly increasing even
 * within one millisecond. Slack's `ts` is both a time and the message's unique id in its
 * channel, so two posts must never share one.
 * https://docs.slack.dev/messaging/retrieving-messages#individual_messages
 */
export function createTsClock(now: () => number = Date.now): () => string {
  let last = 0;
  return () => {
    last = Math.max(now() * 1000, last + 1);
    return `${Math.floor(last / 1e6)}.${String(last % 1e6).padStart(6, '0')}`;
  };
}

/** trigger_id as Slack formats it: "12345.98765.abcdef…". */
export function triggerId(): string {
  return `${randomInt(1e9)}.${randomInt(1e9)}.${hex(16)}`;
}
