import { SocketModeClient } from '@slack/socket-mode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';
import { recordingLogger } from './recording-logger.ts';

let slack: SlackEmulator;
let client: SocketModeClient;

beforeEach(async () => {
  slack = await startSlackEmulator();
  // Socket Mode is pointed at the emulator through the WebClient options it uses for
  // apps.connections.open; the WebSocket URL then comes from the emulator's answer.
  // clientPingTimeout also sets the ping period (a third of it) and the reconnect delay.
  client = new SocketModeClient({
    appToken: slack.appToken,
    logger: recordingLogger(),
    clientPingTimeout: 300,
    clientOptions: { slackApiUrl: slack.url, retryConfig: { retries: 0 } },
  });
});
afterEach(async () => {
  await client.disconnect();
  await slack.close();
});

describe('Socket Mode with the real SocketModeClient', () => {
  it('connects through apps.connections.open and is connected once the hello arrives', async () => {
    await client.start();
    expect(slack.socket.connections).toBe(1);
    expect(slack.callsTo('apps.connections.open')).toMatchObject([{ status: 200, token: slack.appToken }]);
  });

  it('delivers an events_api envelope and records the ack', async () => {
    const seen: unknown[] = [];
    client.on('message', async ({ event, ack }) => {
      seen.push(event);
      await ack();
    });
    await client.start();
    const { event } = slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', text: 'customer says hi' });
    const ack = await slack.socket.events(event);
    expect(seen).toMatchObject([{ type: 'message', text: 'customer says hi', user: 'U0AGENT001' }]);
    expect(ack).toMatchObject({ type: 'events_api' });
    expect(slack.socket.acks).toEqual([ack]);
  });

  it('passes the envelope fields the client reads: retry_attempt, retry_reason, accepts_response_payload', async () => {
    const seen: Record<string, unknown>[] = [];
    client.on('slack_event', async (args) => {
      seen.push({ type: args.type, retry_num: args.retry_num, retry_reason: args.retry_reason, accepts: args.accepts_response_payload });
      await args.ack();
    });
    await client.start();
    await slack.socket.events(slack.userOpensHome('U0AGENT001'), { retryAttempt: 2, retryReason: 'timeout' });
    await slack.socket.command(slack.slashCommand({ user: 'U0AGENT001', channel: 'C0TRIAGE01', command: '/ticket', text: 'help' }));
    expect(seen).toEqual([
      { type: 'events_api', retry_num: 2, retry_reason: 'timeout', accepts: false },
      { type: 'slash_commands', retry_num: undefined, retry_reason: undefined, accepts: true },
    ]);
  });

  it('shows a slash command answered in the ack payload as an ephemeral message', async () => {
    client.on('slash_commands', async ({ ack }) => {
      await ack({ response_type: 'ephemeral', text: 'You have 2 open tickets' });
    });
    await client.start();
    const ack = await slack.socket.command(slack.slashCommand({ user: 'U0AGENT002', channel: 'C0TRIAGE01', command: '/ticket', text: 'list mine' }));
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: 'You have 2 open tickets' });
    expect(slack.ephemerals('U0AGENT002')).toMatchObject([{ text: 'You have 2 open tickets', source: 'command_response' }]);
  });

  it('rejects when the app never acks', async () => {
    await client.start();
    await expect(slack.socket.events(slack.userOpensHome('U0AGENT001'), { timeoutMs: 100 })).rejects.toThrow(/no ack/);
  });

  it('reconnects with a fresh URL after Slack asks it to (disconnect: refresh_requested)', async () => {
    client.on('app_home_opened', async ({ ack }) => ack());
    await client.start();
    const reconnected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    slack.socket.disconnect('refresh_requested');
    await reconnected;
    expect(slack.callsTo('apps.connections.open')).toHaveLength(2);
    await slack.socket.waitForConnections(1);
    const ack = await slack.socket.events(slack.userOpensHome('U0AGENT001'));
    expect(ack.type).toBe('events_api');
  });

  it("answers the client's pings, so the connection stays up", async () => {
    await client.start();
    await new Promise((r) => setTimeout(r, 700));
    expect(slack.socket.pings).toBeGreaterThan(0);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(1);
  });

  it('a link whose pongs stop is dropped by the client, which reconnects', async () => {
    await client.start();
    await new Promise((r) => setTimeout(r, 150));
    const reconnected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
    slack.socket.setAnswerPings(false);
    await new Promise<void>((resolve) => client.once('reconnecting', () => resolve()));
    slack.socket.setAnswerPings(true);
    await reconnected;
    expect(slack.callsTo('apps.connections.open')).toHaveLength(2);
  });

  it('refuses a WebSocket URL that was already used', async () => {
    await client.start();
    const url = slack.callsTo('apps.connections.open')[0]!.response.url as string;
    const socket = new WebSocket(url);
    const outcome = await new Promise<string>((resolve) => {
      socket.addEventListener('open', () => resolve('open'));
      socket.addEventListener('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });
});
