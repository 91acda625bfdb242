import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/shared/backoff.ts';
import { DEFAULT_DELIVERY } from '../../src/tickets/context.ts';

const middle = () => 0.5;

describe('backoffDelay', () => {
  it('waits the base delay first and doubles it with each attempt', () => {
    const delays = [1, 2, 3, 4].map((attempt) => backoffDelay({ attempt, baseMs: 1_000, maxMs: 60_000, random: middle }));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('never waits longer than the maximum, however many attempts', () => {
    expect(backoffDelay({ attempt: 8, baseMs: 1_000, maxMs: 60_000, random: middle })).toBe(60_000);
    expect(backoffDelay({ attempt: 200, baseMs: 1_000, maxMs: 60_000, random: () => 0.99 })).toBe(60_000);
  });

  it('treats an attempt below one as the first', () => {
    expect(backoffDelay({ attempt: 0, baseMs: 500, maxMs: 60_000, random: middle })).toBe(500);
  });

  it('spreads each delay by the jitter share either way, 20 % unless told', () => {
    expect(backoffDelay({ attempt: 3, baseMs: 1_000, maxMs: 60_000, random: () => 0 })).toBe(3_200);
    expect(backoffDelay({ attempt: 3, baseMs: 1_000, maxMs: 60_000, random: () => 0.999_999 })).toBe(4_800);
    expect(backoffDelay({ attempt: 3, baseMs: 1_000, maxMs: 60_000, jitter: 0.5, random: () => 0 })).toBe(2_000);
    for (let i = 0; i < 200; i += 1) {
      const delay = backoffDelay({ attempt: 2, baseMs: 1_000, maxMs: 60_000 });
      expect(delay).toBeGreaterThanOrEqual(1_600);
      expect(delay).toBeLessThanOrEqual(2_400);
    }
  });

  it('waits exactly the doubled delay without jitter', () => {
    expect(backoffDelay({ attempt: 2, baseMs: 1_000, maxMs: 60_000, jitter: 0, random: () => 0.9 })).toBe(2_000);
  });
});

describe('the default delivery schedule', () => {
  const retries = (random: () => number) =>
    Array.from({ length: DEFAULT_DELIVERY.maxAttempts - 1 }, (_, i) =>
      backoffDelay({ attempt: i + 1, baseMs: DEFAULT_DELIVERY.baseDelayMs, maxMs: DEFAULT_DELIVERY.maxDelayMs, random }),
    );

  it('tries a reply again within half a minute of any failure, so it leaves soon after its platform is back', () => {
    for (const random of [() => 0, middle, () => 0.999_999]) expect(Math.max(...retries(random))).toBeLessThanOrEqual(30_000);
  });

  it('keeps trying for about four minutes before failing a reply, however the jitter falls', () => {
    const total = (random: () => number) => retries(random).reduce((a, b) => a + b, 0);
    expect(total(() => 0)).toBeGreaterThanOrEqual(3.5 * 60_000);
    expect(total(() => 0.999_999)).toBeLessThanOrEqual(5 * 60_000);
  });
});
