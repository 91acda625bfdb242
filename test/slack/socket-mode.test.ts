import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { ADA, GRACE, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

let desk: SlackDesk;
beforeAll(async () => {
  desk = await startSlackDesk({ mode: 'socket' });
});
afterAll(() => desk?.close());

describe('Socket Mode (SLACK_APP_TOKEN)', () => {
  it('connects over the WebSocket apps.connections.open hands out, with the app-level token', async () => {
    await desk.slack.socket.waitForConnections(1, 10_000);
    expect(desk.slack.callsTo('apps.connections.open')[0]).toMatchObject({ status: 200, token: desk.slack.appToken });
  });

  it('serves no HTTP endpoint without a signing secret', async () => {
    const response = await fetch(desk.eventsUrl, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });

  it('answers /ticket in the acknowledgement', async () => {
    const number = await desk.write('socket@example.com', 'over the socket');
    await desk.cardTs(number);
    const ack = await desk.slack.socket.command(desk.slack.slashCommand({ user: ADA, channel: TRIAGE, command: '/ticket', text: `claim ${number}` }));
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: `You have #${number}.` });
    expect((await desk.app.tickets.view(number)).assignee).toBe(ADA);
  });

  it('takes card clicks and thread replies, each event once however often Slack sends it', async () => {
    const number = await desk.write('socket-2@example.com', 'second ticket');
    const ts = await desk.cardTs(number);
    await desk.slack.socket.interaction(desk.slack.blockActions({ user: GRACE, channel: TRIAGE, ts, actionId: CARD_ACTIONS.priority, value: 'high' }));
    await expect.poll(async () => (await desk.app.tickets.view(number)).priority).toBe('high');

    const { event } = desk.slack.userPosts({ user: GRACE, channel: TRIAGE, thread_ts: ts, text: 'On it!' });
    const envelope = desk.slack.eventCallback(event);
    await desk.slack.socket.events(envelope);
    await desk.slack.socket.events(envelope, { retryAttempt: 1, retryReason: 'timeout' });
    await expect.poll(() => desk.customer.delivered().filter((b) => b.ticket === number).map((b) => b.text), { timeout: 10_000 }).toEqual(['On it!']);
    await new Promise((r) => setTimeout(r, 500));
    expect(desk.customer.delivered().filter((b) => b.ticket === number)).toHaveLength(1);
  });
});
