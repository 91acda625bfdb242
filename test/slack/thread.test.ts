import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockText, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk();
});
afterAll(() => desk?.close());

const lines = async (number: number) => (await desk.thread(number)).flatMap((m) => m.text.split('\n'));
const cardsOf = (number: number) => desk.slack.messages(TRIAGE).filter((m) => JSON.stringify(m.blocks ?? []).includes(`*#${number}*`));

describe('ticket cards and threads', () => {
  it('posts one card per new ticket in the triage channel, and each follow-up in its thread, in order, under the customer\'s name', async () => {
    const number = await desk.write('ada@example.com', 'My order #123 is late', { name: 'Ada Lovelace' });
    const ts = await desk.cardTs(number);
    const card = desk.slack.message(TRIAGE, ts);
    expect(blockText(card)).toContain(`*#${number}*`);
    expect(blockText(card)).toContain('*Ada Lovelace*');
    expect(blockText(card)).toContain('>My order #123 is late');

    for (const text of ['two', 'three', 'four']) await desk.write('ada@example.com', text, { name: 'Ada Lovelace' });
    await expect.poll(() => lines(number), { timeout: 15_000 }).toEqual(['two', 'three', 'four']);
    const thread = await desk.thread(number);
    expect(thread.every((m) => m.username === 'Ada Lovelace' && m.thread_ts === ts)).toBe(true);
    expect(cardsOf(number)).toHaveLength(1);
  });

  it('gets ten messages sent at once into the thread at Slack\'s 1 post/s, in the order received, none lost, none twice', async () => {
    const number = await desk.write('burst@example.com', 'first');
    await desk.cardTs(number);
    const texts = Array.from({ length: 10 }, (_, i) => `burst ${i + 1}`);
    await Promise.all(texts.map((text) => desk.write('burst@example.com', text)));
    const received = await desk.app.db.sql<{ text: string }[]>`
      select m.text from messages m join tickets t on t.id = m.ticket_id
      where t.number = ${number} and m.direction = 'inbound' and m.text like 'burst %' order by m.seq`;
    expect(received).toHaveLength(10);
    await expect.poll(() => lines(number), { timeout: 20_000, interval: 100 }).toEqual(received.map((r) => r.text));
    // The emulator enforces 1 post/s per channel: whatever it refused was posted later, not lost.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await lines(number)).toEqual(received.map((r) => r.text));
  });

  it('delays posts while Slack answers 500 and delivers them in order once it recovers', async () => {
    const number = await desk.write('outage@example.com', 'before the outage');
    await desk.cardTs(number);
    desk.slack.failFor('chat.postMessage', 2_500, 500);
    for (const text of ['during 1', 'during 2', 'during 3']) await desk.write('outage@example.com', text);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await lines(number)).toEqual([]);
    await expect.poll(() => lines(number), { timeout: 20_000, interval: 200 }).toEqual(['during 1', 'during 2', 'during 3']);
    expect(desk.slack.callsTo('chat.postMessage').some((c) => c.status === 500)).toBe(true);
  });

  it('waits out a 429 with Retry-After and posts everything, in order', async () => {
    const number = await desk.write('limited@example.com', 'hello');
    await desk.cardTs(number);
    desk.slack.setRateLimits({ postsPerSecond: 0.5, burst: 1 });
    try {
      const before = desk.slack.rateLimited.length;
      for (const text of ['one', 'two', 'three']) {
        await desk.write('limited@example.com', text);
        await new Promise((r) => setTimeout(r, 300));
      }
      await expect.poll(() => lines(number), { timeout: 20_000, interval: 200 }).toEqual(['one', 'two', 'three']);
      expect(desk.slack.rateLimited.length).toBeGreaterThan(before);
    } finally {
      desk.slack.setRateLimits({});
    }
  });

  it('posts the card when Slack is down at first, once it is back', async () => {
    desk.slack.failNext('chat.postMessage', 2, 503);
    const number = await desk.write('late-card@example.com', 'is anyone there?');
    const ts = await desk.cardTs(number);
    expect(blockText(desk.slack.message(TRIAGE, ts))).toContain('is anyone there?');
    expect(cardsOf(number)).toHaveLength(1);
  });

  it('uploads a customer\'s file into the thread with their words', async () => {
    const number = await desk.write('files@example.com', 'I have a photo', { name: 'Fay' });
    await desk.cardTs(number);
    const bytes = Buffer.from('\x89PNG not really');
    await desk.write('files@example.com', 'here it is', { name: 'Fay', attachments: [{ name: 'photo.png', contentType: 'image/png', data: bytes.toString('base64') }] });
    await expect.poll(async () => (await desk.thread(number)).length, { timeout: 15_000 }).toBe(1);
    const [upload] = await desk.thread(number);
    expect(upload).toMatchObject({ text: '*Fay*: here it is', files: [{ name: 'photo.png' }] });
    expect(desk.slack.fileContent(upload!.files![0]!.id)).toEqual(bytes);
  });

  it('updates the card in place when the ticket changes', async () => {
    const number = await desk.write('changes@example.com', 'please help');
    const ts = await desk.cardTs(number);
    await desk.app.tickets.claim(number, 'U0AGENT002');
    await desk.app.tickets.setPriority(number, 'high', 'U0AGENT002');
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, ts)), { timeout: 10_000 }).toContain('*Assignee*\\n<@U0AGENT002>');
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, ts)), { timeout: 10_000 }).toContain('High');
    expect(cardsOf(number)).toHaveLength(1);
  });

  it('shows a change made while the card is being rewritten as soon as that write ends, not when its hold would expire', async () => {
    const number = await desk.write('meanwhile@example.com', 'please help');
    const ts = await desk.cardTs(number);
    desk.slack.setLatency(2_000);
    try {
      await desk.app.tickets.claim(number, 'U0AGENT002');
      // The claim's run is now writing the card, from what it read before the next change.
      const writing = () => desk.app.db.sql`select 1 from slack_cards s join tickets t on t.id = s.ticket_id where t.number = ${number} and s.leased_until > now()`;
      await expect.poll(async () => (await writing()).length, { timeout: 10_000, interval: 20 }).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await desk.app.tickets.setPriority(number, 'urgent', 'U0AGENT002');
    } finally {
      desk.slack.setLatency(0);
    }
    // The run holds the ticket for up to a minute; the change shows within seconds.
    await expect.poll(() => blockText(desk.slack.message(TRIAGE, ts)), { timeout: 10_000 }).toContain('Urgent');
  });
});
