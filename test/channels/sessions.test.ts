import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModuleSession } from '../../src/channels/connections.ts';
import { takeHold } from '../../src/channels/connections-sql.ts';
import { ChannelStateFencedError } from '../../src/channels/contract.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const logger = createLogger('silent');
const notices = (module: string) =>
  db.sql<{ kind: string; closed: boolean }[]>`select kind, closed_at is not null as closed from operator_notices where module = ${module} order by id`;

describe('a channel module\'s session', () => {
  it('keeps state in Postgres, readable by the next holder', async () => {
    const first = createModuleSession('keeper', { sql: db.sql, logger, instance: 'one', observers: [], fenced: true });
    first.held(await takeHold(db.sql, 'keeper', 'one'));
    await first.state.set('offset', { next: 42 });
    first.released();
    const second = createModuleSession('keeper', { sql: db.sql, logger, instance: 'two', observers: [], fenced: true });
    second.held(await takeHold(db.sql, 'keeper', 'two'));
    expect(await second.state.get('offset')).toEqual({ next: 42 });
  });

  it('refuses state writes from a holder another instance has taken over from', async () => {
    const stale = createModuleSession('fenced', { sql: db.sql, logger, instance: 'old', observers: [], fenced: true });
    stale.held(await takeHold(db.sql, 'fenced', 'old'));
    await stale.state.set('offset', 1);
    await takeHold(db.sql, 'fenced', 'new'); // the other instance got the lock
    await expect(stale.state.set('offset', 0)).rejects.toBeInstanceOf(ChannelStateFencedError);
    expect((await db.sql<{ value: number }[]>`select value from channel_state where module = 'fenced'`)[0]!.value).toBe(1);
  });

  it('refuses state writes when the connection is not held here', async () => {
    const idle = createModuleSession('idle', { sql: db.sql, logger, instance: 'x', observers: [], fenced: true });
    await expect(idle.state.set('offset', 1)).rejects.toBeInstanceOf(ChannelStateFencedError);
  });

  it('lets any instance write bookkeeping marked anyInstance, such as a split reply\'s progress', async () => {
    const sender = createModuleSession('sender', { sql: db.sql, logger, instance: 'not-the-holder', observers: [], fenced: true });
    await sender.state.set('sent:m1', [0, 1], { anyInstance: true });
    expect(await sender.state.get('sent:m1')).toEqual([0, 1]);
    await sender.state.delete('sent:m1', { anyInstance: true });
    expect(await sender.state.get('sent:m1')).toBeUndefined();
  });

  it('raises a reconnecting notice only once reconnecting lasts longer than the limit, and closes it on recovery', async () => {
    const seen: string[] = [];
    const session = createModuleSession('flaky', {
      sql: db.sql,
      logger,
      instance: 'x',
      fenced: true,
      reconnectingNoticeAfterMs: 300,
      observers: [async (_tx, notice, change) => void seen.push(`${change}:${notice.kind}`)],
    });
    session.held(await takeHold(db.sql, 'flaky', 'x'));
    session.report({ state: 'reconnecting', reason: 'gateway closed' });
    session.report({ state: 'connected' }); // a blip: back before the limit
    await session.settled();
    await new Promise((r) => setTimeout(r, 450));
    expect(await notices('flaky')).toEqual([]);

    session.report({ state: 'reconnecting', reason: 'gateway closed' });
    session.report({ state: 'reconnecting', reason: 'gateway closed again' });
    await new Promise((r) => setTimeout(r, 450));
    await session.settled();
    expect(await notices('flaky')).toEqual([{ kind: 'reconnecting', closed: false }]);
    session.report({ state: 'connected' });
    await session.settled();
    expect(await notices('flaky')).toEqual([{ kind: 'reconnecting', closed: true }]);
    expect(seen).toEqual(['opened:reconnecting', 'closed:reconnecting']);
  });

  it('opens one notice per incident however often the condition is reported', async () => {
    const session = createModuleSession('device', { sql: db.sql, logger, instance: 'x', observers: [], fenced: true });
    session.held(await takeHold(db.sql, 'device', 'x'));
    for (let i = 0; i < 5; i++) session.report({ state: 'login-required', qr: { text: `QR-${i}` } });
    await session.settled();
    expect(await notices('device')).toEqual([{ kind: 'login-required', closed: false }]);
    session.report({ state: 'connected' });
    session.report({ state: 'login-required', qr: { text: 'QR-again' } });
    await session.settled();
    expect(await notices('device')).toEqual([
      { kind: 'login-required', closed: true },
      { kind: 'login-required', closed: false },
    ]);
    const [row] = await db.sql<{ state: string; holder: string }[]>`select state, holder from channel_connections where module = 'device'`;
    expect(row).toEqual({ state: 'login-required', holder: 'x' });
  });
});
