/**
 * Durations are written one way everywhere (config, SLA targets, commands): a whole number
 * and a unit, `90s`, `30m`, `4h`, `7d`, or several joined (`1h30m`).
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(?:\d+[smhd])+$/;

/** Parses `90s`, `30m`, `4h`, `7d` or `1h30m` into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const value = text.trim();
  if (!DURATION.test(value)) {
    throw new RangeError(`"${text}" is not a duration: write a whole number and a unit, like 90s, 30m, 4h or 7d`);
  }
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([smhd])/g)) {
    ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  return ms;
}

/** Formats milliseconds for people, to the two largest units: `45s`, `12m`, `3h 20m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms) / 1000);
  if (rest < 60) return `${sign}${rest}s`;
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return sign + parts.slice(0, 2).join(' ');
}
