import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockText, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

let sequence = 0;
/** A customer message with an id of our own, so the test can edit or delete it. */
const write = async (from: string, text: string) => {
  const id = `rev-${process.pid}-${++sequence}`;
  const number = await desk.write(from, text, { id, name: 'Cleo' });
  return { id, number };
};
const slackTsOf = async (externalId: string) => {
  const [row] = await desk.app.db.sql<{ slackTs: string | null }[]>`select slack_ts from messages where channel = 'api' and external_id = ${externalId}`;
  return row?.slackTs ?? null;
};
const postedTs = async (externalId: string) => {
  await expect.poll(() => slackTsOf(externalId), { timeout: 15_000 }).toBeTruthy();
  return (await slackTsOf(externalId))!;
};
const postText = (ts: string) => desk.slack.message(TRIAGE, ts)?.text ?? '';

describe('customer edits and deletions in Slack', () => {
  it('updates the thread post in place when the customer edits a message, the earlier text still shown', async () => {
    const { number } = await write('cleo@example.com', 'My parcel never came');
    const second = await write('cleo@example.com', 'Order 1234');
    const ts = await postedTs(second.id);
    expect(postText(ts)).toBe('Order 1234');
    const before = (await desk.thread(number)).length;

    expect(await desk.app.tickets.revise({ kind: 'edit', channel: 'api', externalId: second.id, text: 'Order 1243' })).toMatchObject({ outcome: 'applied', ticket: number });
    await expect.poll(() => postText(ts), { timeout: 15_000 }).toBe('Order 1243 _(edited)_\n>_earlier:_ Order 1234');
    const post = desk.slack.message(TRIAGE, ts)!;
    expect(post).toMatchObject({ username: 'Cleo', edited: expect.anything() });
    expect(desk.slack.callsTo('chat.update').some((c) => c.args.ts === ts)).toBe(true);
    // In place: no new post in the thread.
    expect(await desk.thread(number)).toHaveLength(before);
  });

  it('marks a deleted message in place, its text still visible to agents', async () => {
    const { number } = await write('dora@example.com', 'Hello');
    const second = await write('dora@example.com', 'my card number is 4111');
    const ts = await postedTs(second.id);
    await desk.app.tickets.revise({ kind: 'deletion', channel: 'api', externalId: second.id });
    await expect.poll(() => postText(ts), { timeout: 15_000 }).toContain('deleted by the customer');
    expect(postText(ts)).toBe(':wastebasket: _deleted by the customer_\n>my card number is 4111');
    expect((await desk.thread(number)).map((m) => m.ts)).toEqual([ts]);
  });

  it('re-renders every message of a joined post, each as it reads now', async () => {
    const { number } = await write('eve@example.com', 'first');
    await desk.cardTs(number);
    // Slack is down while two lines arrive: they wait, then go out joined in one post.
    desk.slack.failFor('chat.postMessage', 1_500, 503);
    const a = await write('eve@example.com', 'line a');
    const b = await write('eve@example.com', 'line b');
    const ts = await postedTs(a.id);
    expect(await slackTsOf(b.id)).toBe(ts);
    expect(postText(ts)).toBe('line a\nline b');

    await desk.app.tickets.revise({ kind: 'edit', channel: 'api', externalId: b.id, text: 'line B' });
    await expect.poll(() => postText(ts), { timeout: 15_000 }).toBe('line a\nline B _(edited)_\n>_earlier:_ line b');
    await desk.app.tickets.revise({ kind: 'deletion', channel: 'api', externalId: a.id });
    await expect.poll(() => postText(ts), { timeout: 15_000 }).toBe(':wastebasket: _deleted by the customer_\n>line a\nline B _(edited)_\n>_earlier:_ line b');
  });

  it('waits out a 429 on chat.update and ends showing the latest edit', async () => {
    const { number } = await write('hal@example.com', 'hello');
    const second = await write('hal@example.com', 'v1');
    const ts = await postedTs(second.id);
    await desk.cardTs(number);
    desk.slack.setRateLimits({ tiers: { 'chat.update': { perMinute: 30, burst: 1 } } });
    try {
      const before = desk.slack.rateLimited.length;
      await desk.app.tickets.revise({ kind: 'edit', channel: 'api', externalId: second.id, text: 'v2' });
      await expect.poll(() => postText(ts), { timeout: 15_000 }).toContain('v2 _(edited)_');
      await desk.app.tickets.revise({ kind: 'edit', channel: 'api', externalId: second.id, text: 'v3' });
      await expect.poll(() => postText(ts), { timeout: 15_000 }).toBe('v3 _(edited)_\n>_earlier:_ v1');
      expect(desk.slack.rateLimited.slice(before).some((hit) => hit.method === 'chat.update')).toBe(true);
    } finally {
      desk.slack.setRateLimits({});
    }
  });

  it('shows an edit and a deletion of the first message on the card', async () => {
    const first = await write('fay@example.com', 'I was charged twice');
    const card = await desk.cardTs(first.number);
    await desk.app.tickets.revise({ kind: 'edit', channel: 'api', externalId: first.id, text: 'I was charged three times' });
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, card)), { timeout: 15_000 }).toContain('>I was charged three times _(edited)_\\n>_earlier:_ I was charged twice');
    await desk.app.tickets.revise({ kind: 'deletion', channel: 'api', externalId: first.id });
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, card)), { timeout: 15_000 }).toContain(':wastebasket: _deleted by the customer_\\n>I was charged three times');
    expect(await desk.thread(first.number)).toEqual([]);
  });

  it('posts a message edited before it reached Slack already revised, and skips the post when it is gone from Slack', async () => {
    const { number } = await write('gus@example.com', 'hi');
    await desk.cardTs(number);
    desk.slack.failFor('chat.postMessage', 1_000, 503);
    const late = await write('gus@example.com', 'typo');
    await desk.app.tickets.revise({ kind: 'edit', channel: 'api', externalId: late.id, text: 'fixed' });
    const ts = await postedTs(late.id);
    await expect.poll(() => postText(ts), { timeout: 15_000 }).toBe('fixed _(edited)_\n>_earlier:_ typo');

    // Someone deleted the post in Slack: the deletion is recorded, nothing is re-posted, and the thread goes on.
    desk.slack.userDeletes({ channel: TRIAGE, ts });
    await desk.app.tickets.revise({ kind: 'deletion', channel: 'api', externalId: late.id });
    await desk.write('gus@example.com', 'still there?', { name: 'Cleo' });
    await expect.poll(async () => (await desk.thread(number)).map((m) => m.text), { timeout: 15_000 }).toEqual(['still there?']);
    expect(desk.slack.callsTo('chat.update').filter((c) => c.args.ts === ts).at(-1)?.response.error).toBe('message_not_found');
  });
});
