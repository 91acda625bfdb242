import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/shared/duration.ts';

describe('durations', () => {
  it('reads 90s, 30m, 4h, 7d and 1h30m', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('4h')).toBe(14_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
  });

  it('refuses a number without a unit, a fraction and an unknown unit', () => {
    for (const bad of ['90', '1.5h', '3w', '', 'h']) expect(() => parseDuration(bad)).toThrow(/not a duration/);
  });

  it('formats for people', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(12 * 60_000)).toBe('12m');
    expect(formatDuration(3 * 3_600_000 + 20 * 60_000)).toBe('3h 20m');
    expect(formatDuration(-90_000)).toBe('-1m 30s');
    expect(formatDuration(2 * 86_400_000 + 4 * 3_600_000 + 59_000)).toBe('2d 4h');
  });
});
