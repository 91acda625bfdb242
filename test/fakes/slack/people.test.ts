import { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';
import { recordingLogger } from './recording-logger.ts';

let slack: SlackEmulator;
let client: WebClient;
beforeEach(async () => {
  slack = await startSlackEmulator({ rateLimits: false });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.url, logger: recordingLogger(), retryConfig: { retries: 0 } });
});
afterEach(() => slack.close());

const cardBlocks = [
  {
    type: 'actions',
    block_id: 'ticket-5',
    elements: [
      { type: 'button', action_id: 'resolve', style: 'primary', value: '5', text: { type: 'plain_text', text: 'Resolve' } },
      { type: 'static_select', action_id: 'priority', options: ['low', 'high'].map((p) => ({ text: { type: 'plain_text', text: p }, value: p })) },
      { type: 'users_select', action_id: 'assign' },
    ],
  },
];

async function card(): Promise<string> {
  return (await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #5', blocks: cardBlocks })).ts!;
}

describe('what people do in Slack, as events', () => {
  it("an agent's thread reply is stored in the thread and described by a message event", async () => {
    const ts = await card();
    const { message, event } = slack.userPosts({ user: 'U0AGENT001', channel: '#triage', thread_ts: ts, text: 'Hello Maria' });
    expect(event).toMatchObject({ type: 'message', channel: 'C0TRIAGE01', channel_type: 'channel', user: 'U0AGENT001', text: 'Hello Maria', thread_ts: ts, parent_user_id: slack.botUserId, event_ts: message.ts });
    expect(event).not.toHaveProperty('subtype');
    expect(slack.thread('C0TRIAGE01', ts).map((m) => m.text)).toEqual(['Ticket #5', 'Hello Maria']);
  });

  it('an edit changes the stored message and yields message_changed with both versions', async () => {
    const ts = await card();
    const { message } = slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', thread_ts: ts, text: 'Helo' });
    const event = slack.userEdits({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts: message.ts, text: 'Hello' });
    expect(event).toMatchObject({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: 'C0TRIAGE01',
      message: { ts: message.ts, text: 'Hello', thread_ts: ts, edited: { user: 'U0AGENT001' } },
      previous_message: { ts: message.ts, text: 'Helo' },
    });
    expect(slack.message('C0TRIAGE01', message.ts)?.text).toBe('Hello');
  });

  it('a deletion removes the message and yields message_deleted with deleted_ts', async () => {
    const ts = await card();
    const { message } = slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', thread_ts: ts, text: 'oops' });
    const event = slack.userDeletes({ channel: 'C0TRIAGE01', ts: message.ts });
    expect(event).toMatchObject({ subtype: 'message_deleted', hidden: true, deleted_ts: message.ts, previous_message: { text: 'oops' } });
    expect(slack.thread('C0TRIAGE01', ts)).toHaveLength(1);
    expect(slack.message('C0TRIAGE01', ts)?.reply_count).toBe(0);
  });

  it('refuses to act on a thread or message that does not exist', () => {
    expect(() => slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', thread_ts: '1.000001', text: 'x' })).toThrow(/no thread/);
    expect(() => slack.userPosts({ user: 'U0AGENT001', channel: 'C0NOPE0000', text: 'x' })).toThrow(/no channel/);
  });
});

describe('buttons and menus on a card', () => {
  it('clicking a button reports its value, style and block; choosing from menus reports the choice', async () => {
    const ts = await card();
    expect(slack.blockActions({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts, actionId: 'resolve' }).actions).toMatchObject([
      { type: 'button', action_id: 'resolve', block_id: 'ticket-5', value: '5', style: 'primary' },
    ]);
    expect(slack.blockActions({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts, actionId: 'priority', value: 'high' }).actions).toMatchObject([
      { type: 'static_select', selected_option: { value: 'high', text: { text: 'high' } } },
    ]);
    expect(slack.blockActions({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts, actionId: 'assign', value: 'U0AGENT002' }).actions).toMatchObject([
      { type: 'users_select', selected_user: 'U0AGENT002' },
    ]);
  });

  it('cannot click what the card does not show', async () => {
    const ts = await card();
    expect(() => slack.blockActions({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts, actionId: 'escalate' })).toThrow(/no element escalate/);
  });
});

describe('response_url', () => {
  async function actionResponseUrl(): Promise<{ ts: string; url: string }> {
    const ts = await card();
    const payload = slack.blockActions({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts, actionId: 'resolve' });
    return { ts, url: String(payload.response_url) };
  }
  const post = (url: string, body: object) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('shows a plain response to the clicking user only, and records it', async () => {
    const { url } = await actionResponseUrl();
    expect((await post(url, { text: 'Resolved #5' })).status).toBe(200);
    expect(slack.ephemerals('U0AGENT001')).toMatchObject([{ text: 'Resolved #5', source: 'response_url' }]);
    expect(slack.responses).toMatchObject([{ origin: 'block_actions', user: 'U0AGENT001', status: 200, body: { text: 'Resolved #5' } }]);
  });

  it('replace_original replaces the card; delete_original removes it', async () => {
    const first = await actionResponseUrl();
    await post(first.url, { replace_original: true, text: 'Ticket #5 resolved' });
    expect(slack.message('C0TRIAGE01', first.ts)).toMatchObject({ text: 'Ticket #5 resolved' });
    expect(slack.message('C0TRIAGE01', first.ts)?.blocks).toBeUndefined();
    const second = await actionResponseUrl();
    await post(second.url, { delete_original: true });
    expect(slack.message('C0TRIAGE01', second.ts)).toBeUndefined();
  });

  it('in_channel posts a message everyone sees', async () => {
    const fields = slack.slashCommand({ user: 'U0AGENT001', channel: 'C0GENERAL1', command: '/ticket', text: 'stats' });
    await post(fields.response_url!, { response_type: 'in_channel', text: '12 open tickets' });
    expect(slack.messages('C0GENERAL1')).toMatchObject([{ text: '12 open tickets', bot_id: slack.botId }]);
  });

  it('works five times, then answers used_url', async () => {
    const { url } = await actionResponseUrl();
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await post(url, { text: `update ${i}` })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(slack.responses.at(-1)).toMatchObject({ status: 404 });
  });
});
