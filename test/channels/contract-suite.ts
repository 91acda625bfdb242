import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/channels/contract.ts';
import { createTestDatabase } from '../helpers/database.ts';
import type { TestSwitchboard } from '../helpers/switchboard.ts';

/**
 * What every channel adapter must do, in two flavours: webhook modules (`webhookContract`) and
 * connection holders (`connectionContract`), each proven through a running instance and the
 * platform's emulator.
 *
 * Webhooks: signed payload → stored; tampered → refused, nothing stored; unknown → nothing
 * stored; our own echo ignored; a reply makes the round trip; a repeat is stored once.
 */
export interface ContractHarness {
  channel: ChannelName;
  start(): Promise<{ app: TestSwitchboard; stop(): Promise<void> }>;
  /** Delivers a genuine customer message with this platform id, as the platform would. */
  deliver(id: string, text: string): Promise<Response>;
  /**
   * The platform id stored for a message delivered as `id`, where the platform's ids have a
   * shape of their own (Telegram: `<chat id>:<message id>`); `id` itself by default.
   */
  externalId?(id: string): string;
  /** Delivers it with a forged or tampered signature. */
  deliverForged(id: string, text: string): Promise<Response>;
  /** Delivers a genuine payload of a kind the channel does not store. */
  deliverUnknown(): Promise<Response>;
  /** The status the platform is answered for an unknown payload. */
  unknownStatus: number;
  /** Texts the customer received from us, oldest first. */
  received(): Promise<string[]> | string[];
}

export function webhookContract(harness: ContractHarness): void {
  describe(`the channel contract: ${harness.channel}`, () => {
    let app: TestSwitchboard;
    let stop: () => Promise<void>;
    let sequence = 0;
    const id = () => `contract-${harness.channel}-${Date.now()}-${++sequence}`;
    beforeAll(async () => {
      ({ app, stop } = await harness.start());
    });
    afterAll(() => stop?.());

    const platformId = (delivered: string) => harness.externalId?.(delivered) ?? delivered;
    const stored = async (delivered: string) =>
      (await app.db.sql`select 1 from messages where channel = ${harness.channel} and external_id = ${platformId(delivered)}`).length;
    const total = async () => Number((await app.db.sql<{ n: number }[]>`select count(*)::int as n from messages`)[0]!.n);
    const ticketOf = async (delivered: string) =>
      (await app.db.sql<{ number: number }[]>`select t.number from messages m join tickets t on t.id = m.ticket_id where m.external_id = ${platformId(delivered)}`)[0]!.number;

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

/**
 * What a connection holder must do, through a running instance and its platform's emulator: a
 * message is stored; an update it does not handle stores nothing; a redelivered update is
 * stored once; our own echo is ignored; edits and deletions reach the core; a reply makes the
 * round trip; after a restart it resumes from its stored state without storing anything twice;
 * a refused token is reported to operators.
 */
export interface ConnectionHarness {
  channel: ChannelName;
  /** The channel module's name (its state, lock and notices are keyed by it). */
  module: string;
  /** Starts an instance on `db`. */
  start(db: TestSwitchboard['db']): Promise<TestSwitchboard>;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** The customer writes; returns the platform id. */
  deliver(text: string): string | Promise<string>;
  /** The customer edits a message; absent where messages cannot change once sent (email). */
  edit?(id: string, text: string): void | Promise<void>;
  /** The customer deletes a message; absent where the platform does not report deletions (Telegram's Bot API, email). */
  remove?(id: string): void | Promise<void>;
  deliverUnknown(id: string): void | Promise<void>;
  /** The platform delivers its latest update again. */
  redeliverLast(): void | Promise<void>;
  received(): string[];
  /** The platform refuses (or accepts again) our credentials: a bot token, a mailbox password, a linked phone's session. */
  refuseToken(refuse: boolean): void | Promise<void>;
  /** The notice a refusal raises: `token-refused` (default), or `session-lost` where the credential is a session a person re-creates. */
  refusal?: 'token-refused' | 'session-lost';
}

export function connectionContract(harness: ConnectionHarness): void {
  describe(`the connection contract: ${harness.channel}`, () => {
    let app: TestSwitchboard;
    let db: TestSwitchboard['db'];
    beforeAll(async () => {
      await harness.setUp();
      db = await createTestDatabase();
      app = await harness.start(db);
    });
    afterAll(async () => {
      await app?.close(); // its database was given to it, so it stays: dropped here
      await db?.drop();
      await harness.tearDown();
    });

    const rows = (externalId: string) =>
      app.db.sql<{ number: number; text: string; editedText: string | null; deletedAt: Date | null }[]>`
        select t.number, m.text, m.edited_text, m.deleted_at from messages m join tickets t on t.id = m.ticket_id
        where m.channel = ${harness.channel} and m.external_id = ${externalId}`;
    const total = async () => Number((await app.db.sql<{ n: number }[]>`select count(*)::int as n from messages`)[0]!.n);
    const stored = async (externalId: string) => {
      await expect.poll(async () => (await rows(externalId)).length, { timeout: 15_000, interval: 50 }).toBe(1);
      return (await rows(externalId))[0]!;
    };
    // Everything the platform has sent so far is taken once a later message is stored.
    const settle = async () => stored(await harness.deliver(`marker ${Math.random()}`));

    it('stores a message from the connection', async () => {
      expect((await stored(await harness.deliver('hello over the connection'))).text).toBe('hello over the connection');
    });

    it('stores nothing for an update it does not handle', async () => {
      const id = await harness.deliver('something to react to');
      await stored(id);
      const before = await total();
      await harness.deliverUnknown(id);
      await settle();
      expect(await total()).toBe(before + 1);
    });

    it('stores a redelivered update once', async () => {
      const id = await harness.deliver('only once');
      await stored(id);
      await harness.redeliverLast();
      await settle();
      expect(await rows(id)).toHaveLength(1);
    });

    // Where messages cannot change once sent (email) there is nothing to prove.
    if (harness.edit) it('hands edits and deletions to the core, keeping the original text', async () => {
      const id = await harness.deliver('first words');
      await stored(id);
      await harness.edit!(id, 'second words');
      await expect.poll(async () => (await rows(id))[0]!.editedText, { timeout: 15_000 }).toBe('second words');
      expect((await rows(id))[0]!.text).toBe('first words');
      if (!harness.remove) return;
      await harness.remove(id);
      await expect.poll(async () => (await rows(id))[0]!.deletedAt, { timeout: 15_000 }).toBeTruthy();
    });

    it('sends a reply to the customer and ignores its echo', async () => {
      const id = await harness.deliver('please answer');
      const { number } = await stored(id);
      const before = await total();
      const reply = await app.tickets.reply({ ticket: number, author: 'U0CONTRACT', text: 'connection reply' });
      await expect
        .poll(async () => (await app.db.sql<{ externalId: string | null }[]>`select external_id from messages where id = ${reply.id}`)[0]!.externalId, { timeout: 15_000 })
        .toBeTruthy();
      expect(harness.received()).toContain('connection reply');
      await settle();
      expect(await total()).toBe(before + 2); // the reply and the marker, not the echo
    });

    it('resumes from its stored state after a restart, storing nothing twice', async () => {
      await settle();
      await app.close();
      const missed = await harness.deliver('written while no instance was up');
      app = await harness.start(db);
      await stored(missed);
      const counts = await app.db.sql<{ n: number }[]>`select count(*)::int as n from messages where channel = ${harness.channel} and direction = 'inbound' group by external_id`;
      expect(counts.every((c) => c.n === 1)).toBe(true);
    });

    it('reports a refused credential to operators once, and its recovery', async () => {
      const kind = harness.refusal ?? 'token-refused';
      await harness.refuseToken(true);
      await expect
        .poll(async () => (await app.db.sql`select 1 from operator_notices where module = ${harness.module} and kind = ${kind} and closed_at is null`).length, { timeout: 20_000 })
        .toBe(1);
      await harness.refuseToken(false);
      await expect
        .poll(async () => (await app.db.sql`select 1 from operator_notices where module = ${harness.module} and kind = ${kind} and closed_at is not null`).length, { timeout: 20_000 })
        .toBe(1);
      expect((await app.db.sql`select 1 from operator_notices where module = ${harness.module} and kind = ${kind}`).length).toBe(1);
    });
  });
}
