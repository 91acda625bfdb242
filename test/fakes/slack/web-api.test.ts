import { ErrorCode, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';

let slack: SlackEmulator;
let client: WebClient;

beforeEach(async () => {
  slack = await startSlackEmulator({ rateLimits: false });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
});
afterEach(() => slack.close());

const card = (text: string) => [
  { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text } },
  { type: 'actions', block_id: 'buttons', elements: [{ type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: '42' }] },
];

async function platformError(call: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect((error as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
  return error as WebAPIPlatformError;
}

describe('messages through the real WebClient', () => {
  it('posts a card with blocks and answers channel, ts and the stored message', async () => {
    const result = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #42', blocks: card('*#42* printer on fire') });
    expect(result.ok).toBe(true);
    expect(result.channel).toBe('C0TRIAGE01');
    expect(result.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(result.message).toMatchObject({ text: 'Ticket #42', bot_id: slack.botId, user: slack.botUserId, type: 'message' });
    const [posted] = slack.messages('C0TRIAGE01');
    expect(posted).toMatchObject({ ts: result.ts, text: 'Ticket #42', blocks: card('*#42* printer on fire') });
  });

  it('resolves a channel given by name and answers its id', async () => {
    const result = await client.chat.postMessage({ channel: '#triage', text: 'hi' });
    expect(result.channel).toBe('C0TRIAGE01');
  });

  it('keeps thread replies in order under their parent, with the customer name and icon', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #7' });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', thread_ts: parent.ts!, text: 'first', username: 'Maria (WhatsApp)', icon_emoji: ':iphone:' });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', thread_ts: parent.ts!, text: 'second' });
    const thread = slack.thread('C0TRIAGE01', parent.ts!);
    expect(thread.map((m) => m.text)).toEqual(['Ticket #7', 'first', 'second']);
    expect(thread[1]).toMatchObject({ username: 'Maria (WhatsApp)', icons: { emoji: ':iphone:' }, thread_ts: parent.ts });
    expect(thread[0]).toMatchObject({ reply_count: 2, thread_ts: parent.ts });
    expect(slack.messages('C0TRIAGE01')).toHaveLength(1);
  });

  it('shows a reply_broadcast reply both in its thread and in the channel', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #8' });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', thread_ts: parent.ts!, text: 'Escalated to managers', reply_broadcast: true });
    expect(slack.messages('C0TRIAGE01').map((m) => m.text)).toEqual(['Ticket #8', 'Escalated to managers']);
    expect(slack.thread('C0TRIAGE01', parent.ts!).at(-1)).toMatchObject({ subtype: 'thread_broadcast', thread_ts: parent.ts });
  });

  it('hands out unique, increasing ts values even for posts in the same millisecond', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.postMessage({ channel: 'C0GENERAL1', text: `m${i}` })));
    const ts = results.map((r) => r.ts!);
    expect(new Set(ts).size).toBe(20);
    const stored = slack.messages('C0GENERAL1').map((m) => m.ts);
    expect(stored).toEqual([...stored].sort());
  });

  it('replaces the text and blocks of the stored message on chat.update and marks it edited', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #42: new', blocks: card('new') });
    const updated = await client.chat.update({ channel: 'C0TRIAGE01', ts: posted.ts!, text: 'Ticket #42: claimed', blocks: card('claimed by <@U0AGENT001>') });
    expect(updated).toMatchObject({ ok: true, channel: 'C0TRIAGE01', ts: posted.ts, text: 'Ticket #42: claimed' });
    const stored = slack.message('C0TRIAGE01', posted.ts!);
    expect(stored?.text).toBe('Ticket #42: claimed');
    expect(stored?.blocks).toEqual(card('claimed by <@U0AGENT001>'));
    expect(stored?.edited?.user).toBe(slack.botUserId);
  });

  it('answers message_not_found for an unknown ts and channel_not_found for an unknown channel', async () => {
    expect((await platformError(client.chat.update({ channel: 'C0TRIAGE01', ts: '1700000000.000100', text: 'x' }))).data.error).toBe('message_not_found');
    expect((await platformError(client.chat.postMessage({ channel: 'C0NOPE0000', text: 'x' }))).data.error).toBe('channel_not_found');
    expect((await platformError(client.chat.postMessage({ channel: 'C0TRIAGE01', thread_ts: '1700000000.000100', text: 'x' }))).data.error).toBe('thread_not_found');
  });

  it('refuses a message with neither text nor blocks, and malformed blocks', async () => {
    expect((await platformError(client.chat.postMessage({ channel: 'C0TRIAGE01', text: '' }))).data.error).toBe('no_text');
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect((await platformError(client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x', blocks: tooMany }))).data.error).toBe('invalid_blocks');
  });

  it('takes an image block by URL or by Slack file, with alt text, and refuses one without', async () => {
    const image = (extra: Record<string, unknown>) => [{ type: 'image', ...extra }] as never;
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x', blocks: image({ slack_file: { id: 'F123' }, alt_text: 'qr' }) });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x', blocks: image({ image_url: 'https://example.com/a.png', alt_text: 'a' }) });
    for (const bad of [{ slack_file: { id: 'F123' } }, { alt_text: 'nothing to show' }, { image_url: 'https://example.com/a.png', slack_file: { id: 'F1' }, alt_text: 'both' }]) {
      const refused = await platformError(client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x', blocks: image(bad) }));
      expect(refused.data.error).toBe('invalid_blocks');
    }
  });

  it('deletes a message, leaving a tombstone when it has replies', async () => {
    const lone = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'lone' });
    const parent = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'parent' });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', thread_ts: parent.ts!, text: 'reply' });
    expect(await client.chat.delete({ channel: 'C0TRIAGE01', ts: lone.ts! })).toMatchObject({ ok: true, ts: lone.ts });
    await client.chat.delete({ channel: 'C0TRIAGE01', ts: parent.ts! });
    expect(slack.messages('C0TRIAGE01').map((m) => m.subtype ?? m.text)).toEqual(['tombstone']);
    expect(slack.thread('C0TRIAGE01', parent.ts!).map((m) => m.text)).toEqual(['This message was deleted.', 'reply']);
  });

  it('refuses to edit a message a person wrote', async () => {
    const { message } = slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', text: 'mine' });
    expect((await platformError(client.chat.update({ channel: 'C0TRIAGE01', ts: message.ts, text: 'x' }))).data.error).toBe('cant_update_message');
  });

  it('shows an ephemeral message only to its user and never in the channel', async () => {
    const result = await client.chat.postEphemeral({ channel: 'C0TRIAGE01', user: 'U0AGENT001', text: 'Only you can see this' });
    expect(result.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.ephemerals('U0AGENT001')).toMatchObject([{ text: 'Only you can see this', channel: 'C0TRIAGE01', source: 'chat.postEphemeral' }]);
    expect(slack.ephemerals('U0AGENT002')).toEqual([]);
    expect(slack.messages('C0TRIAGE01')).toEqual([]);
  });

  it('builds permalinks, with thread_ts and cid for replies', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'p' });
    const reply = await client.chat.postMessage({ channel: 'C0TRIAGE01', thread_ts: parent.ts!, text: 'r' });
    const link = await client.chat.getPermalink({ channel: 'C0TRIAGE01', message_ts: reply.ts! });
    expect(link.permalink).toBe(`https://switchboard-test.slack.com/archives/C0TRIAGE01/p${reply.ts!.replace('.', '')}?thread_ts=${parent.ts}&cid=C0TRIAGE01`);
  });

  it('posts to a user id in the app DM and answers its D channel', async () => {
    const result = await client.chat.postMessage({ channel: 'U0AGENT001', text: 'SLA warning for #42' });
    expect(result.channel).toMatch(/^D/);
    const info = await client.conversations.info({ channel: result.channel! });
    expect(info.channel).toMatchObject({ is_im: true, user: 'U0AGENT001' });
  });
});

describe('reactions, people and channels', () => {
  it('adds and removes the bot reaction on a message', async () => {
    const posted = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x' });
    await client.reactions.add({ channel: 'C0TRIAGE01', timestamp: posted.ts!, name: 'eyes' });
    expect(slack.message('C0TRIAGE01', posted.ts!)?.reactions).toEqual([{ name: 'eyes', users: [slack.botUserId], count: 1 }]);
    expect((await platformError(client.reactions.add({ channel: 'C0TRIAGE01', timestamp: posted.ts!, name: 'eyes' }))).data.error).toBe('already_reacted');
    await client.reactions.remove({ channel: 'C0TRIAGE01', timestamp: posted.ts!, name: 'eyes' });
    expect(slack.message('C0TRIAGE01', posted.ts!)?.reactions).toBeUndefined();
    expect((await platformError(client.reactions.remove({ channel: 'C0TRIAGE01', timestamp: posted.ts!, name: 'eyes' }))).data.error).toBe('no_reaction');
  });

  it('answers auth.test, users.info and conversations.info as Slack shapes them', async () => {
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: slack.botUserId, bot_id: slack.botId, team_id: slack.teamId });
    expect((await client.users.info({ user: 'U0AGENT001' })).user).toMatchObject({ id: 'U0AGENT001', name: 'ada', real_name: 'Ada Lovelace', is_bot: false });
    expect((await platformError(client.users.info({ user: 'U0NOBODY00' }))).data.error).toBe('user_not_found');
    expect((await client.conversations.info({ channel: 'C0TRIAGE01' })).channel).toMatchObject({ id: 'C0TRIAGE01', name: 'triage', is_channel: true });
  });

  it('answers unknown_method for a method it does not know', async () => {
    expect((await platformError(client.apiCall('chat.scheduleMessage', { channel: 'C0TRIAGE01' }))).data.error).toBe('unknown_method');
  });

  it('records every call with its arguments and answer', async () => {
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x', blocks: card('x') });
    const [call] = slack.callsTo('chat.postMessage');
    expect(call).toMatchObject({ status: 200, token: slack.botToken, args: { channel: 'C0TRIAGE01', text: 'x' }, response: { ok: true } });
    expect(JSON.parse(String(call!.args.blocks))).toEqual(card('x'));
  });
});

describe('bodies and tokens', () => {
  it('accepts a JSON body with the token in the Authorization header, warning without charset', async () => {
    const response = await fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0TRIAGE01', text: 'json', blocks: card('json') }),
    });
    expect(await response.json()).toMatchObject({ ok: true, warning: 'missing_charset', message: { blocks: card('json') } });
  });

  it('refuses a JSON body carrying its token in the body: JSON needs the header', async () => {
    const response = await fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ token: slack.botToken, channel: 'C0TRIAGE01', text: 'x' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('accepts the token as a form field', async () => {
    const response = await fetch(`${slack.url}auth.test`, { method: 'POST', body: new URLSearchParams({ token: slack.botToken }) });
    expect(await response.json()).toMatchObject({ ok: true });
  });

  it('answers not_authed without a token and invalid_auth with a wrong one, with HTTP 200', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    expect((await platformError(anonymous.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x' }))).data.error).toBe('not_authed');
    const wrong = new WebClient('xoxb-1-2-wrong', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    expect((await platformError(wrong.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x' }))).data.error).toBe('invalid_auth');
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([200, 200]);
    expect(slack.messages('C0TRIAGE01')).toEqual([]);
  });

  it('keeps the app-level token for apps.connections.open and the bot token for everything else', async () => {
    const app = new WebClient(slack.appToken, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    expect((await app.apps.connections.open()).url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
    expect((await platformError(app.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x' }))).data.error).toBe('not_allowed_token_type');
    expect((await platformError(client.apps.connections.open())).data.error).toBe('not_allowed_token_type');
  });
});
