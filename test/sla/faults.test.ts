import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';
import { summaryOf, waitFor } from './engine-helpers.ts';

let app: TestSwitchboard;
beforeAll(async () => {
  app = await startTestSwitchboard();
});
afterAll(() => app?.close());

describe('a failing SLA evaluation', () => {
  it("never costs a customer's message, and the ticket is evaluated once the fault is gone", async () => {
    // The engine's own table out of reach: every evaluation fails on its first statement.
    await app.db.sql`alter table sla_tickets rename to sla_tickets_away`;
    let answer: Awaited<ReturnType<TestSwitchboard['inbound']>>;
    try {
      answer = await app.inbound({ id: 'fault-1', from: 'faulty', text: 'is anyone there?' });
    } finally {
      await app.db.sql`alter table sla_tickets_away rename to sla_tickets`;
    }
    expect(answer.status).toBe(200);
    const ticket = (await app.tickets.find(answer.json.ticket))!;
    expect((await app.tickets.view(ticket.number)).messages.map((m) => m.text)).toEqual(['is anyone there?']);

    // Normal priority by default: first reply due in 4h, warning at 3h.
    const summary = await waitFor('the retried evaluation', async () => {
      const row = await summaryOf(app.db.sql, ticket.number);
      return row.timerAt ? row : undefined;
    });
    expect(summary).toMatchObject({ slaDueAt: new Date(ticket.createdAt.getTime() + 4 * 3_600_000), slaDueMetric: 'firstReply' });
  });
});
