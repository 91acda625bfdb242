import { ErrorCode, WebClient, WebClientEvent, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';
import { recordingLogger } from './recording-logger.ts';

let slack: SlackEmulator;
afterEach(() => slack.close());

function clientFor(options: ConstructorParameters<typeof WebClient>[1] = {}): WebClient {
  return new WebClient(slack.botToken, { slackApiUrl: slack.url, logger: recordingLogger(), ...options });
}

async function post(channel: string, text: string): Promise<Response> {
  return fetch(`${slack.url}chat.postMessage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${slack.botToken}` },
    body: new URLSearchParams({ channel, text }),
  });
}

describe('chat.postMessage rate limit (about 1 per second per channel, short bursts)', () => {
  it('answers HTTP 429 with Retry-After and ratelimited once a channel exceeds its burst', async () => {
    slack = await startSlackEmulator({ rateLimits: { postsPerSecond: 1, burst: 3 } });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await post('C0TRIAGE01', `m${i}`)).status);
    const limited = await post('C0TRIAGE01', 'one too many');
    expect(statuses).toEqual([200, 200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(slack.rateLimited).toMatchObject([{ method: 'chat.postMessage', key: 'chat.postMessage:C0TRIAGE01', retryAfter: 1 }]);
    expect(slack.messages('C0TRIAGE01')).toHaveLength(3);
  });

  it('limits each channel on its own', async () => {
    slack = await startSlackEmulator({ rateLimits: { postsPerSecond: 1, burst: 1 } });
    expect((await post('C0TRIAGE01', 'a')).status).toBe(200);
    expect((await post('C0GENERAL1', 'b')).status).toBe(200);
    expect((await post('C0TRIAGE01', 'c')).status).toBe(429);
  });

  it('lets the channel post again once the bucket refills', async () => {
    slack = await startSlackEmulator({ rateLimits: { postsPerSecond: 4, burst: 1 } });
    expect((await post('C0TRIAGE01', 'a')).status).toBe(200);
    expect((await post('C0TRIAGE01', 'b')).status).toBe(429);
    await new Promise((r) => setTimeout(r, 300));
    expect((await post('C0TRIAGE01', 'c')).status).toBe(200);
  });

  it('can be switched off for benchmarks', async () => {
    slack = await startSlackEmulator({ rateLimits: false });
    const client = clientFor();
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.chat.postMessage({ channel: 'C0TRIAGE01', text: `m${i}` })));
    expect(slack.messages('C0TRIAGE01')).toHaveLength(50);
    expect(slack.rateLimited).toEqual([]);
  });

  it('applies per-workspace tiers to other methods when configured', async () => {
    slack = await startSlackEmulator({ rateLimits: { tiers: { 'chat.update': { perMinute: 50, burst: 1 } } } });
    const client = clientFor({ rejectRateLimitedCalls: true });
    const { ts } = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'card' });
    await client.chat.update({ channel: 'C0TRIAGE01', ts: ts!, text: 'v2' });
    await expect(client.chat.update({ channel: 'C0TRIAGE01', ts: ts!, text: 'v3' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 2 });
  });
});

describe('what the WebClient does with a 429', () => {
  it('with rejectRateLimitedCalls: throws WebAPIRateLimitedError at once, carrying Retry-After', async () => {
    slack = await startSlackEmulator({ rateLimits: { postsPerSecond: 1, burst: 1 } });
    const client = clientFor({ rejectRateLimitedCalls: true });
    const seen: number[] = [];
    client.on(WebClientEvent.RATE_LIMITED, (retryAfter: number) => seen.push(retryAfter));
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'a' });
    const error = (await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'b' }).catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(1);
    expect(seen).toEqual([1]);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([200, 429]);
  });

  it('by default: waits Retry-After seconds, retries, and the message lands once', async () => {
    slack = await startSlackEmulator({ rateLimits: { postsPerSecond: 1, burst: 1 } });
    const client = clientFor({ retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 10 } });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'a' });
    const started = Date.now();
    const second = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'b' });
    expect(second.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([200, 429, 200]);
    expect(slack.messages('C0TRIAGE01').map((m) => m.text)).toEqual(['a', 'b']);
  });

  it('by default: once retries run out on 429s, throws WebAPIRequestError wrapping the rate limit', async () => {
    slack = await startSlackEmulator({ rateLimits: { postsPerSecond: 1, burst: 1 } });
    const client = clientFor({ retryConfig: { retries: 0 } });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'a' });
    const error = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'b' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.RequestError, original: { message: expect.stringMatching(/rate limit was exceeded/) } });
    expect(slack.messages('C0TRIAGE01').map((m) => m.text)).toEqual(['a']);
  });

  it('by default: holds every other call of that client while it waits (the request queue is paused)', async () => {
    slack = await startSlackEmulator({ rateLimits: { postsPerSecond: 1, burst: 1 } });
    const client = clientFor({ retryConfig: { retries: 1, minTimeout: 10, maxTimeout: 10 } });
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'a' });
    const limited = new Promise<void>((resolve) => client.once(WebClientEvent.RATE_LIMITED, () => resolve()));
    const retried = client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'b' });
    await limited;
    const started = Date.now();
    await client.auth.test();
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await retried;
  });
});
