import { ErrorCode, WebClient, type WebAPIHTTPError, type WebAPIRequestError } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from './index.ts';
import { recordingLogger } from './recording-logger.ts';

let slack: SlackEmulator;
beforeEach(async () => {
  slack = await startSlackEmulator({ rateLimits: false });
});
afterEach(() => slack.close());

/** A short retry policy, as the app should configure instead of the 30-minute default. */
const quickRetries = (retries: number) =>
  new WebClient(slack.botToken, { slackApiUrl: slack.url, logger: recordingLogger(), retryConfig: { retries, minTimeout: 5, maxTimeout: 20 } });

describe('injected server errors', () => {
  it('the WebClient retries a 500 under retryConfig and the post lands once', async () => {
    slack.failNext('chat.postMessage', 2, 500);
    const result = await quickRetries(2).chat.postMessage({ channel: 'C0TRIAGE01', text: 'survives' });
    expect(result.ok).toBe(true);
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([500, 500, 200]);
    expect(slack.messages('C0TRIAGE01').map((m) => m.text)).toEqual(['survives']);
  });

  it('when retries run out the caller gets WebAPIHTTPError with the status, and nothing is posted', async () => {
    slack.failNext('chat.postMessage', 5, 503);
    const error = (await quickRetries(1).chat.postMessage({ channel: 'C0TRIAGE01', text: 'lost' }).catch((e: unknown) => e)) as WebAPIHTTPError;
    expect(error.code).toBe(ErrorCode.HTTPError);
    expect(error.statusCode).toBe(503);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(2);
    expect(slack.messages('C0TRIAGE01')).toEqual([]);
  });

  it('fails every method during an outage window, then recovers', async () => {
    // Long enough to cover a worker's first, cold WebClient calls under a loaded test run.
    slack.failFor('*', 1_000, 503);
    const client = quickRetries(0);
    await expect(client.auth.test()).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    await expect(client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x' })).rejects.toMatchObject({ statusCode: 503 });
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await client.auth.test()).ok).toBe(true);
  });

  it('answers 429 for a while as Slack rate-limits: `ratelimited` with the Retry-After given, which the WebClient reports', async () => {
    slack.failFor('chat.postMessage', 60_000, 429, 7);
    const client = new WebClient(slack.botToken, { slackApiUrl: slack.url, logger: recordingLogger(), rejectRateLimitedCalls: true });
    await expect(client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'x' })).rejects.toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(slack.callsTo('chat.postMessage').map((c) => [c.status, c.response.error])).toEqual([[429, 'ratelimited']]);
    slack.clearFaults();
    expect((await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'after' })).ok).toBe(true);
  });

  it('a reset connection reaches the caller as WebAPIRequestError', async () => {
    slack.failNext('chat.update', 1, 'reset');
    const client = quickRetries(0);
    const { ts } = await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'card' });
    const error = (await client.chat.update({ channel: 'C0TRIAGE01', ts: ts!, text: 'v2' }).catch((e: unknown) => e)) as WebAPIRequestError;
    expect(error.code).toBe(ErrorCode.RequestError);
    expect(slack.message('C0TRIAGE01', ts!)?.text).toBe('card');
  });

  it('only fails the method it was told to', async () => {
    slack.failNext('chat.update', 1, 500);
    expect((await quickRetries(0).chat.postMessage({ channel: 'C0TRIAGE01', text: 'fine' })).ok).toBe(true);
  });
});

describe('injected latency', () => {
  it('delays every answer by the fixed amount while measuring only its own processing time', async () => {
    slack.setLatency(120);
    const client = quickRetries(0);
    const started = performance.now();
    await client.chat.postMessage({ channel: 'C0TRIAGE01', text: 'slow' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    const stats = slack.latency;
    expect(stats.count).toBe(1);
    expect(stats.maxMs).toBeLessThan(100);
  });

  it('summarises its own latency over many calls for a benchmark to subtract', async () => {
    const client = quickRetries(0);
    for (let i = 0; i < 20; i += 1) await client.chat.postMessage({ channel: 'C0TRIAGE01', text: `m${i}` });
    const stats = slack.latency;
    expect(stats.count).toBe(20);
    expect(stats.p50Ms).toBeLessThanOrEqual(stats.p95Ms);
    expect(stats.p95Ms).toBeLessThanOrEqual(stats.maxMs);
    expect(stats.meanMs).toBeGreaterThan(0);
  });
});
