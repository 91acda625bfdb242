import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type BlockAction, type ButtonAction, type types } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';
import { recordingLogger } from './recording-logger.ts';

let slack: SlackEmulator;
let app: App;

const card = (status: string) => [
  { type: 'section', block_id: 'summary', text: { type: 'mrkdwn', text: `*#42* printer on fire — ${status}` } },
  {
    type: 'actions',
    block_id: 'ticket-42',
    elements: [
      { type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: '42' },
      {
        type: 'static_select',
        action_id: 'priority',
        placeholder: { type: 'plain_text', text: 'Priority' },
        options: ['low', 'normal', 'high'].map((p) => ({ text: { type: 'plain_text', text: p }, value: p })),
      },
    ],
  },
];

const assignModal: types.ModalView = {
  type: 'modal',
  callback_id: 'assign',
  title: { type: 'plain_text', text: 'Assign #42' },
  submit: { type: 'plain_text', text: 'Assign' },
  private_metadata: '42',
  blocks: [{ type: 'input', block_id: 'who', label: { type: 'plain_text', text: 'Agent' }, element: { type: 'users_select', action_id: 'assignee' } }],
};

/** The listeners a Switchboard-like app registers; the same for both receivers. */
function registerListeners(target: App): void {
  target.command('/ticket', async ({ command, ack, respond, client }) => {
    if (command.text === 'assign 42') {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: assignModal });
      return;
    }
    await ack(`Looking up ${command.text}…`);
    await respond({ text: 'Ticket #42 is open' });
  });
  target.action<BlockAction<ButtonAction>>('claim', async ({ ack, body, client }) => {
    await ack();
    await client.chat.update({ channel: body.channel!.id, ts: body.message!.ts, text: 'Ticket #42 claimed', blocks: card(`claimed by <@${body.user.id}>`) });
  });
  target.view('assign', async ({ ack, view }) => {
    const who = view.state.values.who?.assignee?.selected_user;
    if (!who) return void (await ack({ response_action: 'errors', errors: { who: 'Pick an agent' } }));
    await ack();
  });
  target.message(async ({ message, say }) => {
    if (message.subtype === undefined && message.thread_ts && message.text?.startsWith('note:')) {
      await say({ text: 'Internal note saved', thread_ts: message.thread_ts });
    }
  });
}

async function postCard(): Promise<string> {
  const { ts } = await app.client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'Ticket #42', blocks: card('new') });
  return ts!;
}

describe('a Bolt app over HTTP (HTTPReceiver), driven by signed deliveries', () => {
  let url: string;
  beforeEach(async () => {
    slack = await startSlackEmulator();
    app = new App({
      token: slack.botToken,
      signingSecret: slack.signingSecret,
      logger: recordingLogger(),
      clientOptions: { slackApiUrl: slack.url, retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 50 } },
    });
    registerListeners(app);
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterEach(async () => {
    await app.stop();
    await slack.close();
  });

  it('answers url_verification with the challenge', async () => {
    const delivery = await slack.http.urlVerification(url);
    expect(delivery.status).toBe(200);
    expect(delivery.json).toEqual({ challenge: delivery.challenge });
  });

  it('refuses forged, stale and tampered commands with 401 and shows nothing', async () => {
    for (const variant of ['forged', 'stale', 'tampered', 'unsigned'] as const) {
      const delivery = await slack.http.command(url, slack.slashCommand({ user: 'U0AGENT001', channel: 'C0TRIAGE01', command: '/ticket', text: 'show 42' }), { variant });
      expect(delivery.status, variant).toBe(401);
    }
    expect(slack.ephemerals()).toEqual([]);
    expect(slack.responses).toEqual([]);
  });

  it('shows the ack text and the respond() message to the agent only', async () => {
    await slack.http.command(url, slack.slashCommand({ user: 'U0AGENT001', channel: 'C0TRIAGE01', command: '/ticket', text: 'show 42' }));
    await expect.poll(() => slack.ephemerals('U0AGENT001').map((e) => [e.source, e.text])).toEqual([
      ['command_response', 'Looking up show 42…'],
      ['response_url', 'Ticket #42 is open'],
    ]);
    expect(slack.messages('C0TRIAGE01')).toEqual([]);
  });

  it('updates the card in place when an agent clicks Claim', async () => {
    const ts = await postCard();
    const delivery = await slack.http.interaction(url, slack.blockActions({ user: 'U0AGENT002', channel: 'C0TRIAGE01', ts, actionId: 'claim' }));
    expect(delivery.status).toBe(200);
    await expect.poll(() => slack.message('C0TRIAGE01', ts)?.text).toBe('Ticket #42 claimed');
    expect(slack.messages('C0TRIAGE01')).toHaveLength(1);
    expect(JSON.stringify(slack.message('C0TRIAGE01', ts)?.blocks)).toContain('claimed by <@U0AGENT002>');
  });

  it('opens a modal from the command trigger, keeps it open on errors and closes it on a valid submission', async () => {
    await slack.http.command(url, slack.slashCommand({ user: 'U0AGENT001', channel: 'C0TRIAGE01', command: '/ticket', text: 'assign 42' }));
    await expect.poll(() => slack.views('U0AGENT001')).toHaveLength(1);
    const viewId = slack.views('U0AGENT001')[0]!.view.id;
    await slack.http.interaction(url, slack.viewSubmission({ user: 'U0AGENT001', viewId }));
    expect(slack.views('U0AGENT001')[0]).toMatchObject({ open: true, errors: { who: 'Pick an agent' } });
    await slack.http.interaction(url, slack.viewSubmission({ user: 'U0AGENT001', viewId, values: { assignee: 'U0AGENT002' } }));
    expect(slack.views('U0AGENT001')[0]!.open).toBe(false);
  });

  it("delivers an agent's thread reply as a message event and the app answers in the thread", async () => {
    const ts = await postCard();
    const { event } = slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', thread_ts: ts, text: 'note: customer is VIP' });
    expect((await slack.http.event(url, event)).status).toBe(200);
    await expect.poll(() => slack.thread('C0TRIAGE01', ts).map((m) => m.text)).toEqual(['Ticket #42', 'note: customer is VIP', 'Internal note saved']);
  });
});

describe('a Bolt app over Socket Mode, pointed at the emulator', () => {
  beforeEach(async () => {
    slack = await startSlackEmulator();
    // clientOptions reach both app.client and the SocketModeClient's apps.connections.open
    // call. Set retryConfig: otherwise the SocketModeClient writes its own
    // { retries: 100, factor: 1.3 } into these very options, and every listener's `client`
    // inherits it.
    app = new App({
      token: slack.botToken,
      appToken: slack.appToken,
      socketMode: true,
      logger: recordingLogger(),
      clientOptions: { slackApiUrl: slack.url, retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 50 } },
    });
    registerListeners(app);
    await app.start();
  });
  afterEach(async () => {
    await app.stop();
    await slack.close();
  });

  it('connects and acks a slash command, whose ack text the agent sees', async () => {
    expect(slack.socket.connections).toBe(1);
    const ack = await slack.socket.command(slack.slashCommand({ user: 'U0AGENT002', channel: 'C0TRIAGE01', command: '/ticket', text: 'show 42' }));
    expect(ack.payload).toEqual({ text: 'Looking up show 42…' });
    await expect.poll(() => slack.ephemerals('U0AGENT002').map((e) => e.text)).toEqual(['Looking up show 42…', 'Ticket #42 is open']);
  });

  it('updates the card when Claim arrives as an interactive envelope', async () => {
    const ts = await postCard();
    await slack.socket.interaction(slack.blockActions({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts, actionId: 'claim' }));
    await expect.poll(() => slack.message('C0TRIAGE01', ts)?.text).toBe('Ticket #42 claimed');
  });

  it('applies a view_submission answered in the ack payload', async () => {
    await slack.socket.command(slack.slashCommand({ user: 'U0AGENT001', channel: 'C0TRIAGE01', command: '/ticket', text: 'assign 42' }));
    await expect.poll(() => slack.views('U0AGENT001')).toHaveLength(1);
    const viewId = slack.views('U0AGENT001')[0]!.view.id;
    const ack = await slack.socket.interaction(slack.viewSubmission({ user: 'U0AGENT001', viewId }));
    expect(ack.payload).toEqual({ response_action: 'errors', errors: { who: 'Pick an agent' } });
    expect(slack.views('U0AGENT001')[0]!.errors).toEqual({ who: 'Pick an agent' });
  });

  it("echoes the app's own posts as message events, which Bolt's ignoreSelf drops", async () => {
    slack.echoBotMessages('socket');
    const ts = await postCard();
    await app.client.chat.postMessage({ channel: 'C0TRIAGE01', thread_ts: ts, text: 'note: written by the bot itself' });
    await expect.poll(() => slack.echoes.map((e) => e.acked)).toEqual([true, true]);
    expect(slack.echoes[1]!.event).toMatchObject({ type: 'message', bot_id: slack.botId, thread_ts: ts });
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.thread('C0TRIAGE01', ts).map((m) => m.text)).toEqual(['Ticket #42', 'note: written by the bot itself']);
  });

  it('receives thread replies as events_api envelopes', async () => {
    const ts = await postCard();
    const { event } = slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', thread_ts: ts, text: 'note: call back at 5' });
    await slack.socket.events(event);
    await expect.poll(() => slack.thread('C0TRIAGE01', ts).at(-1)?.text).toBe('Internal note saved');
  });
});
