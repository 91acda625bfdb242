import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signRequest, startSlackEmulator, type SignatureVariant, type SlackEmulator } from './index.ts';

let slack: SlackEmulator;
beforeEach(async () => {
  slack = await startSlackEmulator();
});
afterEach(() => slack.close());

/** Bolt's own verification, fed the way its receivers feed it. */
function boltAccepts(secret: string, body: string, headers: Record<string, string>): boolean {
  try {
    verifySlackRequest({
      signingSecret: secret,
      body,
      headers: {
        'x-slack-signature': headers['x-slack-signature'] ?? '',
        'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
      },
    });
    return true;
  } catch {
    return false;
  }
}

describe("signatures, checked by Bolt's verifySlackRequest", () => {
  const body = JSON.stringify({ type: 'event_callback', event: { type: 'message', text: 'hi' } });

  it('accepts what the emulator signs as Slack does', () => {
    const signed = signRequest(slack.signingSecret, body);
    expect(signed.headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(boltAccepts(slack.signingSecret, signed.body, signed.headers)).toBe(true);
  });

  it('accepts signed form bodies (slash commands, interactivity) byte for byte', () => {
    const form = new URLSearchParams(slack.slashCommand({ user: 'U0AGENT001', channel: 'C0TRIAGE01', command: '/ticket', text: 'show 42 ünïcode & more' })).toString();
    const signed = signRequest(slack.signingSecret, form);
    expect(boltAccepts(slack.signingSecret, signed.body, signed.headers)).toBe(true);
  });

  it.each<SignatureVariant>(['forged', 'stale', 'tampered', 'unsigned', 'malformed-signature'])('rejects a %s request', (variant) => {
    const signed = signRequest(slack.signingSecret, body, variant);
    expect(boltAccepts(slack.signingSecret, signed.body, signed.headers)).toBe(false);
  });

  it('signs a malformed body correctly, so only parsing can refuse it', () => {
    const signed = signRequest(slack.signingSecret, body, 'malformed-body');
    expect(boltAccepts(slack.signingSecret, signed.body, signed.headers)).toBe(true);
    expect(() => JSON.parse(signed.body)).toThrow();
  });
});

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A stand-in for the app's endpoint: records requests, answers with `reply`. */
async function receiver(reply: (req: Received, n: number, res: ServerResponse) => void): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const entry = { headers: req.headers, body };
    received.push(entry);
    reply(entry, received.length, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, received, server };
}

describe('deliveries to the app over HTTP', () => {
  let app: Awaited<ReturnType<typeof receiver>>;
  afterEach(
    () =>
      new Promise<void>((r) => {
        app.server.close(() => r());
        app.server.closeAllConnections();
      }),
  );

  it('posts a thread reply as a signed event_callback with the Events API envelope', async () => {
    app = await receiver((_, __, res) => res.end());
    const { event } = slack.userPosts({ user: 'U0AGENT001', channel: 'C0TRIAGE01', text: 'on it' });
    const delivery = await slack.http.event(app.url, event);
    expect(delivery.status).toBe(200);
    const [request] = app.received;
    expect(request!.headers['content-type']).toBe('application/json');
    expect(boltAccepts(slack.signingSecret, request!.body, request!.headers as Record<string, string>)).toBe(true);
    const envelope = JSON.parse(request!.body);
    expect(envelope).toMatchObject({ type: 'event_callback', team_id: slack.teamId, api_app_id: slack.appId, event: { type: 'message', text: 'on it', user: 'U0AGENT001' } });
    expect(envelope.event_id).toMatch(/^Ev/);
    expect(typeof envelope.event_time).toBe('number');
    expect(envelope.authorizations).toEqual([{ enterprise_id: null, team_id: slack.teamId, user_id: slack.botUserId, is_bot: true, is_enterprise_install: false }]);
  });

  it('redelivers a failed event with X-Slack-Retry-Num and X-Slack-Retry-Reason, the same event_id each time', async () => {
    app = await receiver((_, n, res) => {
      res.statusCode = n < 3 ? 500 : 200;
      res.end();
    });
    const delivery = await slack.http.event(app.url, slack.userOpensHome('U0AGENT001'), { redeliverAfterMs: [0, 0, 0] });
    expect(delivery.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(app.received.map((r) => r.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2']);
    expect(app.received[1]!.headers['x-slack-retry-reason']).toBe('http_error');
    expect(new Set(app.received.map((r) => JSON.parse(r.body).event_id)).size).toBe(1);
  });

  it('gives up waiting after the timeout and retries with reason http_timeout', async () => {
    app = await receiver((_, n, res) => setTimeout(() => res.end(), n === 1 ? 1000 : 0));
    const delivery = await slack.http.event(app.url, slack.userOpensHome('U0AGENT001'), { timeoutMs: 400, redeliverAfterMs: [0] });
    expect(delivery.attempts).toEqual([
      { status: 0, retryNum: 0, reason: 'http_timeout' },
      { status: 200, retryNum: 1, reason: 'http_timeout' },
    ]);
    expect(app.received[1]!.headers['x-slack-retry-reason']).toBe('http_timeout');
  });

  it('stops redelivering when the app answers X-Slack-No-Retry: 1', async () => {
    app = await receiver((_, __, res) => {
      res.writeHead(500, { 'x-slack-no-retry': '1' });
      res.end();
    });
    const delivery = await slack.http.event(app.url, slack.userOpensHome('U0AGENT001'), { redeliverAfterMs: [0, 0] });
    expect(delivery.attempts).toHaveLength(1);
  });

  it('sends a slash command form-encoded with a response_url on the emulator and a trigger_id', async () => {
    app = await receiver((_, __, res) => res.end());
    await slack.http.command(app.url, slack.slashCommand({ user: 'U0AGENT001', channel: 'C0TRIAGE01', command: '/ticket', text: 'list mine' }));
    const request = app.received[0]!;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const fields = Object.fromEntries(new URLSearchParams(request.body));
    expect(fields).toMatchObject({ command: '/ticket', text: 'list mine', user_id: 'U0AGENT001', channel_id: 'C0TRIAGE01', team_id: slack.teamId });
    expect(fields.response_url!.startsWith(slack.baseUrl)).toBe(true);
    expect(fields.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
  });

  it("shows a command's acknowledgement body to the user as an ephemeral message", async () => {
    app = await receiver((_, __, res) => res.end('Usage: /ticket show N'));
    await slack.http.command(app.url, slack.slashCommand({ user: 'U0AGENT002', channel: 'C0TRIAGE01', command: '/ticket', text: 'shwo' }));
    expect(slack.ephemerals('U0AGENT002')).toMatchObject([{ text: 'Usage: /ticket show N', source: 'command_response', channel: 'C0TRIAGE01' }]);
  });

  it('sends interactivity as a payload= form field holding the JSON payload', async () => {
    app = await receiver((_, __, res) => res.end());
    const card = await fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0TRIAGE01', text: 'Ticket #1', blocks: [{ type: 'actions', block_id: 'b', elements: [{ type: 'button', action_id: 'claim', value: '1', text: { type: 'plain_text', text: 'Claim' } }] }] }),
    }).then((r) => r.json() as Promise<{ ts: string }>);
    await slack.http.interaction(app.url, slack.blockActions({ user: 'U0AGENT001', channel: 'C0TRIAGE01', ts: card.ts, actionId: 'claim' }));
    const payload = JSON.parse(new URLSearchParams(app.received[0]!.body).get('payload')!);
    expect(payload).toMatchObject({ type: 'block_actions', user: { id: 'U0AGENT001' }, container: { type: 'message', message_ts: card.ts, channel_id: 'C0TRIAGE01' }, actions: [{ action_id: 'claim', block_id: 'b', value: '1', type: 'button' }] });
  });

  it('echoes nothing itself: url_verification expects the app to return the challenge', async () => {
    app = await receiver((req, __, res) => res.end(JSON.parse(req.body).challenge));
    const delivery = await slack.http.urlVerification(app.url);
    expect(delivery.body).toBe(delivery.challenge);
  });
});
