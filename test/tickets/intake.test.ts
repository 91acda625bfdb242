import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/channels/contract.ts';
import { QUEUES } from '../../src/jobs/index.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';

let app: TestSwitchboard;
beforeAll(async () => {
  app = await startTestSwitchboard();
});
afterAll(() => app?.close());

const inbound = (over: Partial<InboundMessage>): InboundMessage => ({
  kind: 'message',
  channel: 'api',
  externalId: `id-${Math.random()}`,
  from: 'someone',
  conversation: 'someone',
  text: 'hello',
  attachments: [],
  ...over,
});

const count = async (table: string, where = 'true') =>
  Number((await app.db.sql.unsafe(`select count(*)::int as n from ${table} where ${where}`))[0]!.n);

describe('intake', () => {
  it('stores a message delivered twice, one after the other, once and reports the repeat as duplicate', async () => {
    const message = inbound({ externalId: 'twice-1', from: 'twice', conversation: 'twice' });
    const first = await app.tickets.ingest(message);
    const second = await app.tickets.ingest(message);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ ticket: first.ticket, message: first.message, duplicate: true });
    expect(await count('messages', `external_id = 'twice-1'`)).toBe(1);
  });

  it('stores a message delivered ten times at once once, and reports nine duplicates', async () => {
    const message = inbound({ externalId: 'burst-1', from: 'burst', conversation: 'burst' });
    const results = await Promise.all(Array.from({ length: 10 }, () => app.tickets.ingest(message)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.message)).size).toBe(1);
    expect(await count('messages', `external_id = 'burst-1'`)).toBe(1);
    expect(await count('tickets t join contacts c on c.id = t.contact_id join identities i on i.contact_id = c.id', `i.address = 'burst'`)).toBe(1);
  });

  it('stores a platform id that several senders use at once once, rolls the others back whole and reports the first', async () => {
    // Senders with an open ticket (follow-ups) and senders never seen (new contacts and tickets):
    // each holds only their own lock, so all of them get past the look-up for a repeat.
    const known = await Promise.all(['k0', 'k1', 'k2', 'k3'].map((who) => app.tickets.ingest(inbound({ externalId: `race-own-${who}`, from: `race-${who}`, conversation: `race-${who}` }))));
    const eventsOf = async () =>
      new Map((await app.db.sql<{ number: number; n: number }[]>`
        select t.number, count(e.id)::int as n from tickets t left join events e on e.ticket_id = t.id
        where t.number in ${app.db.sql(known.map((r) => r.ticket))} group by t.number`).map((r) => [r.number, r.n]));
    const eventsBefore = await eventsOf();
    const senders = ['k0', 's0', 'k1', 's1', 'k2', 's2', 'k3', 's3'];
    const results = await Promise.all(senders.map((who) => app.tickets.ingest(inbound({ externalId: 'race-1', from: `race-${who}`, conversation: `race-${who}` }))));
    const winner = results.find((r) => !r.duplicate)!;
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    for (const result of results) expect(result).toEqual({ ...winner, duplicate: result !== winner });
    expect(await count('messages', `external_id = 'race-1'`)).toBe(1);
    const senderTickets = `t.contact_id in (select contact_id from identities where address like 'race-%')`;
    expect(await count('messages m join tickets t on t.id = m.ticket_id', senderTickets)).toBe(known.length + 1);
    const strangerWon = !known.some((r) => r.ticket === winner.ticket);
    expect(await count('identities', `address like 'race-s%'`)).toBe(strangerWon ? 1 : 0);
    // The losers' tickets recorded nothing: no message event, no status change.
    const eventsAfter = await eventsOf();
    for (const [number, n] of eventsBefore) if (number !== winner.ticket) expect(eventsAfter.get(number)).toBe(n);
  });

  it('gives 50 concurrent first messages from one new sender one ticket holding all 50', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => app.tickets.ingest(inbound({ externalId: `fifty-${i}`, from: 'fifty', conversation: 'fifty' }))),
    );
    expect(new Set(results.map((r) => r.ticket)).size).toBe(1);
    expect(results.every((r) => !r.duplicate)).toBe(true);
    const [ticket] = await app.db.sql<{ id: number }[]>`select id from tickets where number = ${results[0]!.ticket}`;
    expect(await count('messages', `ticket_id = ${ticket!.id}`)).toBe(50);
    expect(await count('identities', `address = 'fifty'`)).toBe(1);
    expect(await count('contacts c join identities i on i.contact_id = c.id', `i.address = 'fifty'`)).toBe(1);
  });

  it('gives 50 concurrent first messages through the HTTP API one ticket too', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => app.inbound({ id: `http-fifty-${i}`, from: 'http-fifty', text: `message ${i}` })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.json.ticket)).size).toBe(1);
    const view = await app.tickets.view(answers[0]!.json.ticket);
    expect(view.messages).toHaveLength(50);
  });

  it('files "+1 (555) 000-1111", "+15550001111" and "whatsapp:+15550001111" under one phone identity and one contact', async () => {
    const a = await app.tickets.ingest(inbound({ channel: 'sms', from: '+1 (555) 000-1111', conversation: '+1 (555) 000-1111' }));
    const b = await app.tickets.ingest(inbound({ channel: 'sms', from: '+15550001111', conversation: '+15550001111' }));
    const c = await app.tickets.ingest(inbound({ channel: 'whatsapp', from: 'whatsapp:+15550001111', conversation: 'whatsapp:+15550001111' }));
    const identities = await app.db.sql<{ kind: string; address: string }[]>`
      select kind, address from identities where address like '%5550001111%'`;
    expect(identities).toEqual([{ kind: 'phone', address: '+15550001111' }]);
    expect(a.ticket).toBe(b.ticket); // same SMS conversation
    expect(c.ticket).not.toBe(a.ticket); // WhatsApp is its own conversation…
    const contacts = await app.db.sql`select distinct contact_id from tickets where number in ${app.db.sql([a.ticket, c.ticket])}`;
    expect(contacts).toHaveLength(1); // …of the same contact
  });

  it('keeps a new sender\'s display name on the contact', async () => {
    const result = await app.tickets.ingest(inbound({ from: 'named', conversation: 'named', name: 'Grace Hopper' }));
    expect((await app.tickets.view(result.ticket)).contact.name).toBe('Grace Hopper');
  });

  it('leaves neither rows nor a job when the transaction fails after enqueueing', async () => {
    const jobsBefore = await count('pgboss.job', `name = '${QUEUES.deliver}'`);
    app.tickets.observe(async (tx, events) => {
      if (!events.some((e) => e.kind === 'created' && e.actor === 'customer')) return;
      const [row] = await tx<{ address: string }[]>`
        select i.address from tickets t join identities i on i.id = t.identity_id where t.id = ${events[0]!.ticketId}`;
      if (row?.address !== 'doomed') return;
      await app.jobs.send(tx, QUEUES.deliver, { ticketId: events[0]!.ticketId }, { singletonKey: 'doomed' });
      throw new Error('observer failed after enqueueing');
    });
    await expect(app.tickets.ingest(inbound({ externalId: 'doomed-1', from: 'doomed', conversation: 'doomed' }))).rejects.toThrow('observer failed');
    expect(await count('messages', `external_id = 'doomed-1'`)).toBe(0);
    expect(await count('identities', `address = 'doomed'`)).toBe(0);
    expect(await count('contacts', `name is null and not exists (select 1 from identities i where i.contact_id = contacts.id)`)).toBe(0);
    expect(await count('pgboss.job', `name = '${QUEUES.deliver}'`)).toBe(jobsBefore);
    expect(await count('pgboss.job', `singleton_key = 'doomed'`)).toBe(0);
  });
});
