/**
 * The acceptance line of issue 18's event webhooks, in real time: the receiver answers 500 for
 * a whole minute while two tickets live their lives; afterwards it has every event, in order,
 * signed. Retries are shortened (at most a second apart) so the test ends soon after the minute.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SECRET, startWebhookDesk, ticketLife, type WebhookDesk } from './helpers.ts';

const OUTAGE_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let desk: WebhookDesk;
beforeAll(async () => {
  desk = await startWebhookDesk();
}, 60_000);
afterAll(() => desk?.close());

it('a receiver answering 500 for a minute gets them all afterwards, none lost, none out of order', async () => {
  const outageEnds = Date.now() + OUTAGE_MS;
  desk.receiver.answer(() => (Date.now() < outageEnds ? 500 : undefined));
  // Both lives run through most of the minute, so events keep coming while every POST fails.
  const [ada, bob] = await Promise.all([ticketLife(desk, 'ada@example.com', () => sleep(8_000)), ticketLife(desk, 'bob@example.com', () => sleep(10_000))]);
  expect(Date.now()).toBeLessThan(outageEnds);

  for (const number of [ada, bob]) {
    const events = (await desk.eventsOf(number)).map((e) => e.id);
    const delivered = await desk.waitForAll(number, outageEnds - Date.now() + 15_000);
    expect(delivered.map((e) => e.id)).toEqual(events);

    const posts = desk.receiver.posts.filter((p) => p.event.ticket?.number === number);
    const failed = posts.filter((p) => p.status === 500);
    const taken = posts.filter((p) => p.status === 200);
    // Really tried during the outage, and nothing taken before it ended.
    expect(failed.length).toBeGreaterThan(5);
    expect(Math.min(...taken.map((p) => p.at))).toBeGreaterThanOrEqual(outageEnds);
    // Each taken once; and no event was ever sent before an earlier one had been taken: the
    // line stops at its first failure, so every attempt, failed or not, follows the ticket's order.
    expect(taken.map((p) => p.event.id)).toEqual(events);
    const positions = posts.map((p) => events.indexOf(p.event.id));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const post of posts) expect(post.verifies(SECRET)).toBe(true);
  }
}, 90_000);
