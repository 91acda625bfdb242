/**
 * Duty in the App Home, and Slack's own presence and Do Not Disturb in auto-assignment, through
 * the Slack emulator (views.publish, block_actions on the Home, users.getPresence, dnd.info).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/shared/clock.ts';
import { HOME_ACTIONS } from '../../src/slack/home.ts';
import { ADA, GRACE, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

const LINUS = 'U0MANAGER1';
// Moved past the 30 s for which an agent's presence is reused, between scenarios.
const clock = manualClock();
let dir: string;
let desk: SlackDesk;
let sequence = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'switchboard-duty-'));
  const file = path.join(dir, 'switchboard.yml');
  await writeFile(file, `teams:\n  - { name: support, channel: ${TRIAGE}, default: true, members: [${ADA}, ${GRACE}, ${LINUS}], assignment: { strategy: round-robin } }\n`);
  desk = await startSlackDesk({ env: { SWITCHBOARD_CONFIG: file }, switchboard: { clock } });
}, 60_000);
afterAll(async () => {
  await desk?.close();
  await rm(dir, { recursive: true, force: true });
});

const newTicket = () => desk.write(`duty-${++sequence}@example.com`, `question ${sequence}`);
const assigneeOf = async (number: number) => (await desk.app.tickets.find(number))!.assignee;
async function assigneesOf(count: number): Promise<(string | null)[]> {
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) numbers.push(await newTicket());
  return Promise.all(numbers.map(assigneeOf));
}
const homeText = (user: string) => JSON.stringify(desk.slack.homeView(user)?.view.blocks ?? []);

/** `user` opens their App Home and presses its duty button. */
async function toggleDutyInHome(user: string, expectNow: 'Go on duty' | 'Go off duty'): Promise<void> {
  const opened = await desk.slack.http.event(desk.eventsUrl, desk.slack.userOpensHome(user));
  expect(opened.status).toBe(200);
  await expect.poll(() => homeText(user), { timeout: 10_000 }).toContain(expectNow === 'Go off duty' ? 'Go off duty' : 'Go on duty');
  const viewId = desk.slack.homeView(user)!.view.id;
  const pressed = await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user, actionId: HOME_ACTIONS.duty, viewId }));
  expect(pressed.status).toBe(200);
}

describe('duty in the App Home', () => {
  it('shows the duty toggle; an agent who turns it off gets no new tickets, and on again takes the oldest waiting first', async () => {
    await toggleDutyInHome(ADA, 'Go off duty');
    await expect.poll(() => homeText(ADA), { timeout: 10_000 }).toContain('Go on duty');
    expect(homeText(ADA)).toContain('You are *off duty*');
    expect(await desk.app.tickets.isOnDuty(ADA)).toBe(false);
    const assignees = await assigneesOf(4);
    expect(assignees).not.toContain(ADA);
    expect(assignees.filter((a) => a === null)).toEqual([]);

    // Nobody else on duty: two tickets wait, and Ada coming back takes both, oldest first.
    await desk.app.tickets.setDuty(GRACE, false);
    await desk.app.tickets.setDuty(LINUS, false);
    const waiting = [await newTicket(), await newTicket()];
    expect(await Promise.all(waiting.map(assigneeOf))).toEqual([null, null]);
    try {
      await toggleDutyInHome(ADA, 'Go on duty');
      await expect.poll(() => Promise.all(waiting.map(assigneeOf)), { timeout: 10_000 }).toEqual([ADA, ADA]);
      await expect.poll(() => homeText(ADA), { timeout: 10_000 }).toContain('Go off duty');
      expect(homeText(ADA)).toContain(`*#${waiting[0]}*`);
      const events = await desk.app.db.sql<{ data: unknown }[]>`select e.data from events e join tickets t on t.id = e.ticket_id where t.number = ${waiting[0]!} and e.kind = 'assigned'`;
      expect(events.map((e) => e.data)).toEqual([{ from: null, to: ADA, by: 'on duty' }]);
    } finally {
      // Whatever happened above, the scenarios below start with all three on duty.
      await desk.app.tickets.setDuty(ADA, true);
      await desk.app.tickets.setDuty(GRACE, true);
      await desk.app.tickets.setDuty(LINUS, true);
    }
  });
});

describe("Slack's presence and Do Not Disturb in auto-assignment", () => {
  it('skips an agent Slack shows away, and one inside their Do Not Disturb window', async () => {
    clock.advance(31_000);
    const now = Math.floor(clock.now() / 1000);
    desk.slack.setPresence(GRACE, 'away');
    desk.slack.setDnd(LINUS, { startTs: now - 600, endTs: now + 3_600 });
    expect(await assigneesOf(3)).toEqual([ADA, ADA, ADA]);

    clock.advance(31_000);
    desk.slack.setPresence(GRACE, 'active');
    desk.slack.setDnd(LINUS, { startTs: now + 7_200, endTs: now + 9_000 });
    expect(new Set(await assigneesOf(3))).toEqual(new Set([ADA, GRACE, LINUS]));
  });

  it('goes by duty alone when the app lacks the users:read and dnd:read scopes (missing_scope), asking no more', async () => {
    desk.slack.setScopes(['chat:write', 'chat:write.customize', 'channels:history', 'groups:history', 'commands', 'reactions:write', 'files:read', 'files:write']);
    clock.advance(31_000);
    const now = Math.floor(clock.now() / 1000);
    desk.slack.setPresence(GRACE, 'away');
    desk.slack.setDnd(LINUS, { startTs: now - 600, endTs: now + 3_600 });
    const first = await assigneesOf(1);
    const asked = desk.slack.callsTo('dnd.info').length + desk.slack.callsTo('users.getPresence').length;
    expect(desk.slack.callsTo('dnd.info').at(-1)?.response).toMatchObject({ ok: false, error: 'missing_scope', needed: 'dnd:read' });
    clock.advance(31_000);
    const later = await assigneesOf(5);
    expect(new Set([...first, ...later])).toEqual(new Set([ADA, GRACE, LINUS]));
    expect(desk.slack.callsTo('dnd.info').length + desk.slack.callsTo('users.getPresence').length).toBe(asked);
  });
});
