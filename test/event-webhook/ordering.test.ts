/**
 * What the outbox promises beyond one happy instance: several instances never send one event
 * twice, a ticket's events go out in the order their transactions committed (which events.id
 * does not always say), and kinds nobody told the webhook about flow through like the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, startWebhookDesk, until, type WebhookDesk } from './helpers.ts';

let desk: WebhookDesk;
let second: WebhookDesk;
beforeAll(async () => {
  desk = await startWebhookDesk();
  second = await startWebhookDesk({ with: { db: desk.app.db, receiver: desk.receiver, replies: desk.replies } });
}, 60_000);
afterAll(async () => {
  await second?.close();
  await desk?.close();
});

describe('the event webhook with several instances', () => {
  it('sends each event once, in each ticket order, whichever instance records or sends it', async () => {
    desk.receiver.delay(15);
    const instances = [desk, second];
    const numbers = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map(async (who, i) => {
        const here = instances[i % 2]!;
        const there = instances[(i + 1) % 2]!;
        const number = await here.write(`${who}@example.com`, `question ${who}`);
        await there.app.tickets.claim(number, AGENT);
        await here.app.tickets.note({ ticket: number, author: AGENT, text: `note ${who}` });
        await there.app.tickets.setPriority(number, 'high', AGENT);
        await here.write(`${who}@example.com`, `more from ${who}`);
        return number;
      }),
    );
    for (const number of numbers) {
      const delivered = await desk.waitForAll(number);
      expect(delivered.map((e) => e.id)).toEqual((await desk.eventsOf(number)).map((e) => e.id));
    }
    const sent = desk.receiver.posts.filter((p) => numbers.includes(p.event.ticket?.number ?? 0)).map((p) => p.event.id);
    expect(sent.length).toBe(new Set(sent).size);
    desk.receiver.delay(0);
  });
});

describe('the order of a ticket’s events', () => {
  it('follows commit order, not events.id: an event whose id came first but committed last goes last, and is not missed', async () => {
    const number = await desk.write('racing@example.com', 'hello');
    await desk.waitForAll(number);
    const { sql } = desk.app.db;
    const [{ id: ticketId }] = await sql<{ id: number }[]>`select id from tickets where number = ${number}`;

    // A holds the ticket (as a change does). B records an event meanwhile: its id is drawn at
    // once, then it waits for the ticket. A records its own (a later id) and commits first.
    // Both are kinds the webhook has never heard of, as other features will add.
    let earlierId = '';
    let laterId = '';
    let b: Promise<unknown> | undefined;
    await sql.begin(async (a) => {
      await a`select id from tickets where id = ${ticketId} for update`;
      b = sql.begin(async (tx) => {
        const [row] = await tx<{ id: string }[]>`
          insert into events (ticket_id, kind, actor, data) values (${ticketId}, 'merged-in', ${AGENT}, ${tx.json({ from: 99 })}) returning id::text`;
        earlierId = row!.id;
      });
      await until(async () => {
        const waiting = await sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%merged-in%'`;
        return waiting.length > 0;
      }, 'B waiting for the ticket');
      const [row] = await a<{ id: string }[]>`
        insert into events (ticket_id, kind, actor, data) values (${ticketId}, 'csat', 'customer', ${a.json({ score: 4, comment: 'thanks!' })}) returning id::text`;
      laterId = row!.id;
    });
    await b;
    expect(BigInt(earlierId)).toBeLessThan(BigInt(laterId));

    // Written outside any change, these have no job yet: the ticket's next change sends them.
    await desk.app.tickets.note({ ticket: number, author: AGENT, text: 'after the race' });
    const delivered = await desk.waitForAll(number);
    const tail = delivered.slice(-3);
    expect(tail.map((e) => [e.id, e.type])).toEqual([
      [laterId, 'csat'],
      [earlierId, 'merged-in'],
      [expect.any(String), 'message'],
    ]);
    expect(tail[0]).toMatchObject({ actor: 'customer', data: { score: 4, comment: 'thanks!' }, ticket: { number } });
    expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);
  });
});
