/**
 * SLA targets per team and per contact tag (switchboard.yml): a VIP contact's ticket measured by
 * the VIP targets, a team's tickets by its own targets and business hours, and both recomputed
 * when the ticket moves or the contact's tags change. Slack emulator, API channel, a held clock.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { TEST_API_TOKEN } from '../helpers/switchboard.ts';
import { ADA, slashTicket, startSlackDesk, TRIAGE, type SlackDesk } from '../slack/helpers.ts';

const BILLING = 'C0BILLING01';
// A Monday, 09:00 UTC.
const clock = manualClock(new Date('2026-06-01T09:00:00Z'));
let dir: string;
let desk: SlackDesk;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-team-sla-'));
  const file = path.join(dir, 'switchboard.yml');
  await writeFile(
    file,
    `teams:
  - name: support
    channel: ${TRIAGE}
    default: true
  - name: billing
    channel: ${BILLING}
    businessHours:
      timezone: UTC
      hours: { mon: ["09:00", "17:00"], tue: ["09:00", "17:00"] }
    sla:
      normal: { firstReply: 2h, resolution: 1d }
      high: { firstReply: 30m }
rules:
  - name: VIP customers
    when: { tag: vip }
    then: { priority: high, tags: [vip] }
  - name: billing questions
    when: { keywords: [invoice] }
    then: { team: billing }
sla:
  tags:
    vip:
      normal: { firstReply: 20m }
      high: { firstReply: 10m, resolution: 2h }
`,
  );
  desk = await startSlackDesk({ emulator: { rateLimits: false }, env: { SWITCHBOARD_CONFIG: file, SLACK_POST_RATE: '20' }, switchboard: { clock } });
  desk.slack.addChannel({ id: BILLING, name: 'billing' });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await rm(dir, { recursive: true, force: true });
});

type Target = { metric: string; dueAt: string | null; paused: boolean; breachedAt: string | null };

/** `GET /api/v1/tickets/:number` as an integration sees it. */
async function ticketApi(number: number): Promise<{ priority: string; tags: string[]; sla: Target[] }> {
  const response = await fetch(`${desk.app.url}/api/v1/tickets/${number}`, { headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { priority: string; tags: string[]; sla: Target[] };
}

/** Each live target's due time, by metric. */
const dueTimes = async (number: number) => Object.fromEntries((await ticketApi(number)).sla.map((t) => [t.metric, t.dueAt]));

const tagContact = async (number: number, tags: string[]) => {
  const [row] = await desk.app.db.sql<{ contactId: number }[]>`select contact_id from tickets where number = ${number}`;
  const response = await fetch(`${desk.app.url}/api/v1/contacts/${row!.contactId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tags }),
  });
  expect(response.status).toBe(200);
};

describe('SLA targets per contact tag', () => {
  it("a VIP contact's ticket gets VIP priority and VIP SLA targets, visible in the ticket API's sla", async () => {
    clock.set(new Date('2026-06-01T09:00:00Z'));
    const first = await desk.write('vip@example.com', 'first question');
    await tagContact(first, ['vip']);
    await slashTicket(desk, `close ${first}`);

    clock.set(new Date('2026-06-01T10:00:00Z'));
    const second = await desk.write('vip@example.com', 'a new question');
    expect(second).not.toBe(first);
    const ticket = await ticketApi(second);
    expect(ticket.priority).toBe('high');
    expect(ticket.tags).toEqual(['vip']);
    // VIP: first reply 10m and resolution 2h; the desk's high targets for the rest.
    expect(await dueTimes(second)).toEqual({
      firstReply: '2026-06-01T10:10:00.000Z',
      periodicUpdate: '2026-06-01T14:00:00.000Z',
      resolution: '2026-06-01T12:00:00.000Z',
      totalResolution: '2026-06-03T10:00:00.000Z',
    });
  });

  it("tagging a contact recomputes their open ticket's targets, and untagging restores them", async () => {
    clock.set(new Date('2026-06-01T09:00:00Z'));
    const number = await desk.write('later-vip@example.com', 'hello');
    expect((await dueTimes(number)).firstReply).toBe('2026-06-01T13:00:00.000Z');
    await tagContact(number, ['vip']);
    await expect.poll(async () => (await dueTimes(number)).firstReply, { timeout: 10_000 }).toBe('2026-06-01T09:20:00.000Z');
    await tagContact(number, []);
    await expect.poll(async () => (await dueTimes(number)).firstReply, { timeout: 10_000 }).toBe('2026-06-01T13:00:00.000Z');
  });
});

describe('a contact tagged after a target was met', () => {
  it('keeps the reply met in time: no late breach under the VIP target', async () => {
    clock.set(new Date('2026-06-01T09:00:00Z'));
    const number = await desk.write('met@example.com', 'hello');
    clock.set(new Date('2026-06-01T09:30:00Z'));
    const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: await desk.cardTs(number), text: 'Hello, looking into it' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    await expect.poll(async () => Object.keys(await dueTimes(number)), { timeout: 15_000 }).not.toContain('firstReply');

    // The VIP first reply (20m) is shorter than the 30m the reply took.
    await tagContact(number, ['vip']);
    const [timer] = await desk.app.db.sql<{ timerAt: Date }[]>`select s.timer_at from sla_tickets s join tickets t on t.id = s.ticket_id where t.number = ${number}`;
    expect(timer!.timerAt.getTime()).toBeGreaterThan(clock.now());
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const breaches = await desk.app.db.sql`select 1 from events e join tickets t on t.id = e.ticket_id where t.number = ${number} and e.kind = 'sla-breach'`;
    expect(breaches).toHaveLength(0);
  });
});

describe('SLA targets and business hours per team', () => {
  it("a team's tickets run on its own targets and hours; the default team's on the desk's", async () => {
    // Monday 18:00 UTC: billing is closed until Tuesday 09:00 and its 1d resolution is 24 of its
    // hours (Tuesday, next Monday and Tuesday); the desk counts calendar hours.
    clock.set(new Date('2026-06-01T18:00:00Z'));
    const billing = await desk.write('payer@example.com', 'a question about my invoice');
    const support = await desk.write('asker@example.com', 'a question about my parcel');
    expect(await dueTimes(billing)).toEqual({ firstReply: '2026-06-02T11:00:00.000Z', resolution: '2026-06-09T17:00:00.000Z' });
    expect(await dueTimes(support)).toEqual({ firstReply: '2026-06-01T22:00:00.000Z', resolution: '2026-06-03T18:00:00.000Z' });
  });

  it("moving a ticket to another team measures it by that team's targets and hours", async () => {
    clock.set(new Date('2026-06-01T18:00:00Z'));
    const number = await desk.write('mover@example.com', 'where is my parcel');
    expect((await dueTimes(number)).firstReply).toBe('2026-06-01T22:00:00.000Z');
    expect(await slashTicket(desk, `team ${number} billing`)).toContain('is with the billing team now');
    await expect.poll(async () => dueTimes(number), { timeout: 10_000 }).toEqual({ firstReply: '2026-06-02T11:00:00.000Z', resolution: '2026-06-09T17:00:00.000Z' });
  });

  it('a VIP tag wins over the team: a VIP billing ticket gets the VIP first reply in the team hours', async () => {
    clock.set(new Date('2026-06-01T18:00:00Z'));
    const first = await desk.write('vip-payer@example.com', 'hi');
    await tagContact(first, ['vip']);
    await slashTicket(desk, `close ${first}`);
    const number = await desk.write('vip-payer@example.com', 'my invoice is wrong');
    const ticket = await ticketApi(number);
    expect(ticket.priority).toBe('high');
    // high: VIP first reply 10m over billing's 30m; VIP resolution 2h; the desk's high
    // periodic update (4h) and total resolution (2d); all counted in billing's hours.
    expect(await dueTimes(number)).toEqual({
      firstReply: '2026-06-02T09:10:00.000Z',
      periodicUpdate: '2026-06-02T13:00:00.000Z',
      resolution: '2026-06-02T11:00:00.000Z',
      totalResolution: '2026-06-22T17:00:00.000Z',
    });
  });

  it("reports judge a team's reply by the team's target and hours, as the engine did", async () => {
    // Monday 18:00, billing closed: a reply at 23:00 took none of billing's hours, though five
    // calendar hours (past the desk's 4h).
    clock.set(new Date('2026-06-01T18:00:00Z'));
    const number = await desk.write('night-payer@example.com', 'my invoice again');
    clock.set(new Date('2026-06-01T23:00:00Z'));
    const { event } = desk.slack.userPosts({ user: ADA, channel: BILLING, thread_ts: await desk.cardTs(number), text: 'Sorted, see you tomorrow' });
    expect((await desk.slack.http.event(desk.eventsUrl, event)).status).toBe(200);
    await expect.poll(async () => Object.keys(await dueTimes(number)), { timeout: 15_000 }).not.toContain('firstReply');
    const summary = await desk.app.reports.summary({ from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-02T00:00:00Z') }, { team: 'billing' });
    expect(summary.sla.targets.find((t) => t.metric === 'firstReply')).toEqual({ metric: 'firstReply', met: 1, breached: 0, breachedLate: 0, attainment: 1 });
  });
});
