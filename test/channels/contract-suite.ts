import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/channels/contract.ts';
import type { TestSwitchboard } from '../helpers/switchboard.ts';

/**
 * What every channel adapter must do, proven through a running instance and the platform's
 * emulator: signed payload → stored; tampered → refused, nothing stored; unknown → nothing
 * stored; our own echo ignored; a reply makes the round trip; a repeat is stored once.
 */
export interface ContractHarness {
  channel: ChannelName;
  start(): Promise<{ app: TestSwitchboard; stop(): Promise<void> }>;
  /** Delivers a genuine customer message with this platform id, as the platform would. */
  deliver(id: string, text: string): Promise<Response>;
  /** Delivers it with a forged or tampered signature. */
  deliverForged(id: string, text: string): Promise<Response>;
  /** Delivers a genuine payload of a kind the channel does not store. */
  deliverUnknown(): Promise<Response>;
  /** The status the platform is answered for an unknown payload. */
  unknownStatus: number;
  /** Texts the customer received from us, oldest first. */
  received(): Promise<string[]> | string[];
}

export function channelContract(harness: ContractHarness): void {
  describe(`the channel contract: ${harness.channel}`, () => {
    let app: TestSwitchboard;
    let stop: () => Promise<void>;
    let sequence = 0;
    const id = () => `contract-${harness.channel}-${Date.now()}-${++sequence}`;
    beforeAll(async () => {
      ({ app, stop } = await harness.start());
    });
    afterAll(() => stop?.());

    const stored = async (externalId: string) =>
      (await app.db.sql`select 1 from messages where channel = ${harness.channel} and external_id = ${externalId}`).length;
    const total = async () => Number((await app.db.sql<{ n: number }[]>`select count(*)::int as n from messages`)[0]!.n);
    const ticketOf = async (externalId: string) =>
      (await app.db.sql<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${externalId}`)[0]!.number;

    it('stores a signed message', async () => {
      const messageId = id();
      const response = await harness.deliver(messageId, 'hello from the contract');
      expect(response.status).toBe(200);
      expect(await stored(messageId)).toBe(1);
    });

    it('refuses a tampered or forged delivery and stores nothing', async () => {
      const before = await total();
      const response = await harness.deliverForged(id(), 'forged');
      expect([401, 403]).toContain(response.status);
      expect(await total()).toBe(before);
    });

    it('stores nothing for a payload it does not handle', async () => {
      const before = await total();
      expect((await harness.deliverUnknown()).status).toBe(harness.unknownStatus);
      expect(await total()).toBe(before);
    });

    it('stores a repeated delivery once', async () => {
      const messageId = id();
      await harness.deliver(messageId, 'twice');
      await harness.deliver(messageId, 'twice');
      expect(await stored(messageId)).toBe(1);
    });

    it('sends a reply to the customer and ignores its echo', async () => {
      const messageId = id();
      await harness.deliver(messageId, 'please answer');
      const reply = await app.tickets.reply({ ticket: await ticketOf(messageId), author: 'U0CONTRACT', text: 'contract reply' });
      const deadline = Date.now() + 10_000;
      let sentAs: string | null = null;
      while (!sentAs && Date.now() < deadline) {
        sentAs = (await app.db.sql<{ externalId: string | null }[]>`select external_id from messages where id = ${reply.id}`)[0]!.externalId;
        if (!sentAs) await new Promise((r) => setTimeout(r, 50));
      }
      expect(sentAs).not.toBeNull();
      expect(await harness.received()).toContain('contract reply');
      const before = await total();
      await harness.deliver(sentAs!, 'contract reply'); // the platform reporting our own message back
      expect(await total()).toBe(before);
    });
  });
}
