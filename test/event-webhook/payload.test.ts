import { describe, expect, it } from 'vitest';
import { classifyAnswer, eventPayload } from '../../src/event-webhook/index.ts';

describe('what a receiver’s answer means', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [429, 'retry'],
    [408, 'retry'],
    [401, 'retry'],
    [403, 'retry'],
    [404, 'retry'],
    [301, 'retry'],
    [400, 'refused'],
    [409, 'refused'],
    [410, 'refused'],
    [413, 'refused'],
    [422, 'refused'],
  ])('%i: %s', (status, kind) => {
    expect(classifyAnswer(status, undefined, '').kind).toBe(kind);
  });

  it('keeps Retry-After, marks a 429 as rate limiting, and says why a redirect is not followed', () => {
    expect(classifyAnswer(429, 2_000, '')).toEqual({ kind: 'retry', reason: 'answered 429', rateLimited: true, retryAfterMs: 2_000 });
    expect(classifyAnswer(503, 30_000, 'maintenance')).toEqual({ kind: 'retry', reason: 'answered 503: maintenance', rateLimited: false, retryAfterMs: 30_000 });
    expect(classifyAnswer(308, undefined, '')).toMatchObject({ reason: expect.stringMatching(/redirects are not followed: set EVENT_WEBHOOK_URL/) });
  });
});

describe('the payload', () => {
  const base = { eventId: '42', line: 7, kind: 'csat', actor: 'customer', at: new Date('2026-06-01T09:30:00Z'), attempts: 1, message: null };

  it('is the event as recorded, in the documented shape, for a kind it knows nothing about', () => {
    const payload = eventPayload({ ...base, data: { score: 5 }, ticket: null });
    expect(JSON.stringify(payload)).toBe('{"id":"42","type":"csat","at":"2026-06-01T09:30:00.000Z","ticket":null,"actor":"customer","data":{"score":5}}');
  });

  it('adds the message the event names to its data, and leaves data that is not an object alone', () => {
    const message = { id: 'm1', direction: 'inbound', author: null, text: 'hi', attachments: [], delivery: null, editedText: 'hello', deletedAt: null, createdAt: '2026-06-01T09:30:00.123456+00:00' };
    expect(eventPayload({ ...base, kind: 'message', data: { messageId: 'm1', direction: 'inbound' }, ticket: null, message }).data).toEqual({
      messageId: 'm1',
      direction: 'inbound',
      message: { ...message, createdAt: '2026-06-01T09:30:00.123Z' },
    });
    expect(eventPayload({ ...base, data: 'odd', ticket: null, message }).data).toBe('odd');
  });
});
