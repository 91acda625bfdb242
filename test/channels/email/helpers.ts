import { expect } from 'vitest';
import type { Sql } from 'postgres';
import type { Dovecot } from '../../fakes/email/dovecot.ts';

export { emailEnv, SUPPORT } from '../../fakes/email/env.ts';

let sequence = 0;
/** A Message-ID no other test uses. */
export const newMessageId = (what = 'mail') => `<${what}-${process.pid}-${Date.now()}-${++sequence}@customer.test>`;

/** The ticket number holding the message with this Message-ID, once it is stored. */
export async function ticketOfMail(sql: Sql, messageId: string, timeout = 20_000): Promise<number> {
  const find = () => sql<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.channel = 'email' and m.external_id = ${messageId}`;
  await expect.poll(async () => (await find()).length, { timeout, interval: 100 }).toBe(1);
  return (await find())[0]!.number;
}

/** Waits until the mailbox has flagged every message \Seen: the channel has handled them all. */
export async function allHandled(dovecot: Dovecot, timeout = 20_000): Promise<void> {
  await expect.poll(async () => (await dovecot.messages()).every((m) => m.flags.includes('\\Seen')), { timeout, interval: 100 }).toBe(true);
}
