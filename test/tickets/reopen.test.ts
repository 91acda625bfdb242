import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';

const HOUR = 3_600_000;
const clock = manualClock(new Date('2026-11-02T09:00:00Z'));
let app: TestSwitchboard;
beforeAll(async () => {
  app = await startTestSwitchboard({ clock, env: { REOPEN_WINDOW: '2d' } });
});
afterAll(() => app?.close());

let sequence = 0;
const write = (from: string, text = 'hello') => app.inbound({ id: `m-${++sequence}`, from, text }).then((r) => r.json as { ticket: number });

describe('customer messages on resolved and closed tickets', () => {
  it('reopens a resolved ticket when the customer writes within REOPEN_WINDOW', async () => {
    const { ticket } = await write('reopen-within');
    await app.tickets.transition(ticket, 'resolve', 'U1');
    clock.advance(47 * HOUR);
    const again = await write('reopen-within', 'it broke again');
    expect(again.ticket).toBe(ticket);
    const view = await app.tickets.view(ticket);
    expect(view.status).toBe('open');
    expect(view.resolvedAt).toBeNull();
    expect(view.messages.map((m) => m.text)).toEqual(['hello', 'it broke again']);
  });

  it('opens a new ticket linked to the old one when the customer writes after the window, and closes the old one', async () => {
    const { ticket } = await write('after-window');
    await app.tickets.transition(ticket, 'resolve', 'U1');
    clock.advance(49 * HOUR);
    const again = await write('after-window', 'new problem');
    expect(again.ticket).not.toBe(ticket);
    const [old, fresh] = [await app.tickets.view(ticket), await app.tickets.view(again.ticket)];
    expect(old.status).toBe('closed');
    expect(fresh.status).toBe('new');
    expect(fresh.previousTicket).toBe(ticket);
    expect(fresh.messages.map((m) => m.text)).toEqual(['new problem']);
  });

  it('opens a new linked ticket when the customer writes on a closed ticket', async () => {
    const { ticket } = await write('after-close');
    await app.tickets.transition(ticket, 'close', 'U1');
    const again = await write('after-close', 'one more thing');
    expect(again.ticket).not.toBe(ticket);
    expect((await app.tickets.view(again.ticket)).previousTicket).toBe(ticket);
  });

  it('moves a pending ticket back to open when the customer replies', async () => {
    const { ticket } = await write('pending-reply');
    await app.tickets.transition(ticket, 'set-pending', 'U1');
    await write('pending-reply', 'here is the info');
    expect((await app.tickets.view(ticket)).status).toBe('open');
  });

  it('refuses to reopen a closed ticket, and records every status change as an event with its actor', async () => {
    const { ticket } = await write('events');
    await app.tickets.claim(ticket, 'U7');
    await app.tickets.transition(ticket, 'resolve', 'U7');
    await app.tickets.transition(ticket, 'close', 'U8');
    await expect(app.tickets.transition(ticket, 'reopen', 'U7')).rejects.toThrow(`#${ticket} is closed, which is final`);
    const events = await app.db.sql<{ kind: string; actor: string; data: { to?: string } }[]>`
      select e.kind, e.actor, e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${ticket} order by e.id`;
    expect(events.map((e) => [e.kind, e.actor, e.data.to ?? null])).toEqual([
      ['created', 'customer', null],
      ['message', 'customer', null],
      ['claimed', 'U7', null],
      ['status', 'U7', 'open'],
      ['status', 'U7', 'resolved'],
      ['status', 'U8', 'closed'],
    ]);
  });

  it('refuses to change events once written', async () => {
    await expect(app.db.sql`update events set actor = 'someone else'`).rejects.toThrow(/append-only/);
    await expect(app.db.sql`delete from events`).rejects.toThrow(/append-only/);
  });
});

describe('auto-close', () => {
  it('closes a resolved ticket when the reopen window ends', async () => {
    const short = await startTestSwitchboard({ env: { REOPEN_WINDOW: '1s' } });
    try {
      const { json } = await short.inbound({ id: 'auto-1', from: 'auto', text: 'hi' });
      await short.tickets.transition(json.ticket, 'resolve', 'U1');
      const until = Date.now() + 10_000;
      let status = 'resolved';
      while (status !== 'closed' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await short.tickets.view(json.ticket)).status;
      }
      expect(status).toBe('closed');
    } finally {
      await short.close();
    }
  });
});
