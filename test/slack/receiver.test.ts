import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../fakes/slack/index.ts';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { ADA, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
let number: number;
let ts: string;
beforeAll(async () => {
  desk = await startSlackDesk();
  number = await desk.write('guarded@example.com', 'please help');
  ts = await desk.cardTs(number);
});
afterAll(() => desk?.close());

/** Everything a Slack request could have changed. */
async function footprint() {
  const [row] = await desk.app.db.sql<{ messages: number; events: number; slackEvents: number; jobs: number }[]>`
    select (select count(*)::int from messages) as messages, (select count(*)::int from events) as events,
      (select count(*)::int from slack_events) as slack_events,
      (select count(*)::int from pgboss.job where name = 'slack.event') as jobs`;
  return { ...row, ephemerals: desk.slack.ephemerals().length, views: desk.slack.views().length, assignee: (await desk.app.tickets.view(number)).assignee };
}

describe('POST /slack/events', () => {
  it('answers url_verification with the challenge', async () => {
    const delivery = await desk.slack.http.urlVerification(desk.eventsUrl);
    expect(delivery.status).toBe(200);
    expect(delivery.json).toEqual({ challenge: delivery.challenge });
  });

  for (const variant of ['forged', 'stale', 'tampered', 'unsigned', 'malformed-signature'] as const) {
    it(`refuses a ${variant} event, command or interaction with 401 and changes nothing`, async () => {
      const before = await footprint();
      const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: `sent ${variant}` });
      const answers = [
        await desk.slack.http.event(desk.eventsUrl, event, { variant }),
        await desk.slack.http.command(desk.eventsUrl, desk.slack.slashCommand({ user: ADA, channel: TRIAGE, command: '/ticket', text: `claim ${number}` }), { variant }),
        await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts, actionId: CARD_ACTIONS.claim }), { variant }),
      ];
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
      await new Promise((r) => setTimeout(r, 300));
      expect(await footprint()).toEqual(before);
      expect(desk.customer.posts.filter((p) => p.body.ticket === number)).toEqual([]);
    });
  }

  it('refuses a correctly signed but malformed body with 400 and changes nothing', async () => {
    const before = await footprint();
    const { event } = desk.slack.userPosts({ user: ADA, channel: TRIAGE, thread_ts: ts, text: 'malformed' });
    const answers = [
      await desk.slack.http.event(desk.eventsUrl, event, { variant: 'malformed-body' }),
      await desk.slack.http.command(desk.eventsUrl, desk.slack.slashCommand({ user: ADA, channel: TRIAGE, command: '/ticket', text: `claim ${number}` }), { variant: 'malformed-body' }),
      await desk.slack.http.interaction(desk.eventsUrl, desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts, actionId: CARD_ACTIONS.claim }), { variant: 'malformed-body' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400]);
    expect(await footprint()).toEqual(before);
  });

  it('takes the same command once it is signed properly (the refusals above were the signature\'s doing)', async () => {
    const delivery = await desk.slack.http.command(desk.eventsUrl, desk.slack.slashCommand({ user: ADA, channel: TRIAGE, command: '/ticket', text: `claim ${number}` }));
    expect(delivery.status).toBe(200);
    expect((await footprint()).assignee).toBe(ADA);
  });

  it('refuses an event callback without an event_id with 400', async () => {
    const body = JSON.stringify({ type: 'event_callback', team_id: desk.slack.teamId });
    const signed = signRequest(desk.slack.signingSecret, body);
    const response = await fetch(desk.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...signed.headers }, body: signed.body });
    expect(response.status).toBe(400);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const body = JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(1024 * 1024) });
    const signed = signRequest(desk.slack.signingSecret, body);
    const response = await fetch(desk.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...signed.headers }, body: signed.body });
    expect(response.status).toBe(413);
  });
});
