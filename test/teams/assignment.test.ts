/**
 * Auto-assignment per team: round-robin and least-loaded among members on duty and under the
 * team's capacity, through a running instance and a real Postgres (customers write through the
 * API channel; agents go on and off duty through the ticket service, as /ticket duty does).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitchboard, type TestSwitchboard } from '../helpers/switchboard.ts';

const [A, B, C, X, Y, P, Q] = ['U0AAAAAAAA1', 'U0BBBBBBBB1', 'U0CCCCCCCC1', 'U0XXXXXXXX1', 'U0YYYYYYYY1', 'U0PPPPPPPP1', 'U0QQQQQQQQ1'];
let dir: string;
let app: TestSwitchboard;
let sequence = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-assign-'));
  const file = path.join(dir, 'switchboard.yml');
  await writeFile(
    file,
    `teams:
  - { name: support, channel: C0SUPPORT01, default: true, members: [${A}, ${B}, ${C}], assignment: { strategy: round-robin } }
  - { name: billing, channel: C0BILLING01, members: [${X}, ${Y}], assignment: { strategy: least-loaded } }
  - { name: vip, channel: C0VIPTEAM01, members: [${P}, ${Q}], assignment: { strategy: round-robin, capacity: 2 } }
rules:
  - { name: billing, when: { keywords: [invoice] }, then: { team: billing } }
  - { name: vip, when: { keywords: [vip] }, then: { team: vip } }
`,
  );
  app = await startTestSwitchboard({ env: { SWITCHBOARD_CONFIG: file } });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A new customer writes `text`; resolves with the ticket's number. */
async function newTicket(text: string): Promise<number> {
  const n = ++sequence;
  const { status, json } = await app.inbound({ id: `assign-${n}`, from: `customer-${n}@example.com`, text });
  expect(status).toBe(200);
  return json.ticket as number;
}
const assigneeOf = async (number: number) => (await app.db.sql<{ assignee: string | null }[]>`select assignee from tickets where number = ${number}`)[0]!.assignee;
const counts = (assignees: (string | null)[]) => assignees.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a ?? 'nobody']: (acc[a ?? 'nobody'] ?? 0) + 1 }), {});

describe('auto-assignment', () => {
  it('round-robin over three agents on duty gives 30 new tickets 10/10/10, in turn', async () => {
    const numbers: number[] = [];
    for (let i = 0; i < 30; i++) numbers.push(await newTicket(`question ${i}`));
    const assignees = await Promise.all(numbers.map(assigneeOf));
    expect(counts(assignees)).toEqual({ [A]: 10, [B]: 10, [C]: 10 });
    expect(assignees.slice(0, 6)).toEqual([A, B, C, A, B, C]);
    const [event] = await app.db.sql<{ data: unknown }[]>`select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${numbers[0]!} and e.kind = 'assigned'`;
    expect(event!.data).toEqual({ from: null, to: A, by: 'round-robin' });
  });

  it('gives an agent off duty nothing, and their share goes to the others', async () => {
    await app.tickets.setDuty(C, false);
    const numbers: number[] = [];
    for (let i = 0; i < 6; i++) numbers.push(await newTicket(`while C is away ${i}`));
    expect(counts(await Promise.all(numbers.map(assigneeOf)))).toEqual({ [A]: 3, [B]: 3 });
    await app.tickets.setDuty(C, true);
  });

  it('least-loaded prefers the agent with fewer open tickets', async () => {
    // Both start with none: one each, then the tie goes by turn.
    const first = await newTicket('invoice one');
    const second = await newTicket('invoice two');
    expect([await assigneeOf(first), await assigneeOf(second)].sort()).toEqual([X, Y].sort());
    const xs = await newTicket('invoice three');
    const busier = await assigneeOf(xs);
    // One has two now, the other one: the next goes to the one with fewer.
    const next = await newTicket('invoice four');
    expect(await assigneeOf(next)).not.toBe(busier);
    await app.tickets.transition(next, 'resolve', 'U0TEST0001');
    const after = await newTicket('invoice five');
    expect(await assigneeOf(after)).not.toBe(busier);
  });

  it('never exceeds a team capacity, even with tickets arriving at once, and leaves the rest waiting', async () => {
    const numbers = await Promise.all(Array.from({ length: 7 }, (_, i) => newTicket(`vip request ${i}`)));
    const assignees = await Promise.all(numbers.map(assigneeOf));
    expect(counts(assignees)).toEqual({ [P]: 2, [Q]: 2, nobody: 3 });
  });

  it('offers an agent coming on duty the oldest waiting tickets first, up to the capacity', async () => {
    const waiting = await app.db.sql<{ number: number }[]>`select number from tickets where team = 'vip' and assignee is null order by created_at, id`;
    const [open] = await app.db.sql<{ number: number }[]>`select number from tickets where assignee = ${P} order by number limit 1`;
    await app.tickets.transition(open!.number, 'resolve', P); // room for one more
    await app.tickets.setDuty(P, false);
    const { assigned } = await app.tickets.setDuty(P, true);
    expect(assigned).toEqual([waiting[0]!.number]);
    expect(await assigneeOf(waiting[0]!.number)).toBe(P);
    expect(await assigneeOf(waiting[1]!.number)).toBeNull();
  });
});
