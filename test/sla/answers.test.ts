import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';
import { openTicket, summaryOf } from './engine-helpers.ts';

// What counts as an answer, read from the stored messages. Replies are written straight into
// messages in the states a platform leaves them in (the delivery paths are tested elsewhere);
// a delivery report then makes the engine look again.
const clock = manualClock(new Date('2026-06-01T09:00:00Z'));
const off = { nextReply: null, periodicUpdate: null, resolution: null, totalResolution: null };
let app: TestSwitchboard;
beforeAll(async () => {
  app = await startTestSwitchboard({ clock, env: { SLA_TARGETS: JSON.stringify({ normal: { ...off, firstReply: '4h' } }) } });
});
afterAll(() => app?.close());

const H = 3_600_000;

/** Stores an outbound message on ticket `number` as the delivery path would have left it. */
async function storeOutbound(number: number, fields: { author: string | null; delivery: string; externalId: string; template?: boolean }) {
  const ticket = (await app.tickets.find(number))!;
  await app.db.sql`
    insert into messages (ticket_id, channel, direction, author, text, external_id, delivery, template, sent_at, created_at)
    values (${ticket.id}, 'api', 'outbound', ${fields.author}, 'hello', ${fields.externalId}, ${fields.delivery},
            ${fields.template ?? false}, ${new Date(clock.now())}, ${new Date(clock.now())})`;
}

/** A platform report about `externalId`, which re-evaluates its ticket. */
const report = (externalId: string, state: 'sent' | 'delivered' | 'failed') =>
  app.tickets.recordDeliveryReport({ kind: 'status', channel: 'api', externalId, state, ...(state === 'failed' ? { error: { reason: 'rejected' } } : {}) });

describe('the first reply target', () => {
  it('is met by a reply the platform first only queued, once it reports it sent', async () => {
    const { number } = await openTicket(app);
    clock.advance(60_000);
    await storeOutbound(number, { author: 'U_AGENT', delivery: 'queued', externalId: 'ans-queued' });
    await report('ans-queued', 'delivered');
    expect(await summaryOf(app.db.sql, number)).toMatchObject({ slaDueAt: null, timerAt: null });
  });

  it('runs again when a reply reported sent is then reported failed', async () => {
    const { number, createdAt } = await openTicket(app);
    await storeOutbound(number, { author: 'U_AGENT', delivery: 'queued', externalId: 'ans-failed' });
    await report('ans-failed', 'sent');
    expect((await summaryOf(app.db.sql, number)).slaDueAt).toBeNull();
    await report('ans-failed', 'failed');
    expect((await summaryOf(app.db.sql, number)).slaDueAt).toEqual(new Date(createdAt.getTime() + 4 * H));
  });

  it('is not met by a WhatsApp template inviting the customer back, nor by an automatic message', async () => {
    const { number, createdAt } = await openTicket(app);
    await storeOutbound(number, { author: 'U_AGENT', delivery: 'queued', externalId: 'ans-template', template: true });
    await storeOutbound(number, { author: null, delivery: 'queued', externalId: 'ans-automatic' });
    await report('ans-template', 'delivered');
    await report('ans-automatic', 'delivered');
    expect((await summaryOf(app.db.sql, number)).slaDueAt).toEqual(new Date(createdAt.getTime() + 4 * H));
  });
});
