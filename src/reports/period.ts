/**
 * Periods in the desk's time zone: the presets `/ticket stats` and the dashboard offer, the
 * period before one (for "change against the previous period"), the week a digest covers, and
 * `from`/`to` query parameters. Pure: `now` is passed in.
 */
import { ChannelInputError } from '../shared/http.ts';
import { Zone, weekdayOf, type LocalDate } from '../sla/zoned.ts';
import type { Range } from './reports-sql.ts';

export const PRESETS = ['today', '7d', '30d'] as const;
export type Preset = (typeof PRESETS)[number];

const DAY_MS = 86_400_000;
// A year and a day: the longest period a request may ask for, so one request cannot make the
// database read the whole history.
export const MAX_SPAN_MS = 367 * DAY_MS;

export function isPreset(value: string): value is Preset {
  return (PRESETS as readonly string[]).includes(value);
}

/** `today` runs from local midnight to now; `7d` and `30d` are the days (24-hour spans) up to now. */
export function presetRange(preset: Preset, now: Date, timezone: string): Range {
  if (preset === 'today') {
    const zone = new Zone(timezone);
    return { from: new Date(zone.instantOf(zone.dateOf(now.getTime()), 0)), to: now };
  }
  const days = preset === '7d' ? 7 : 30;
  return { from: new Date(now.getTime() - days * DAY_MS), to: now };
}

/** The period of the same length that ends where `range` starts. */
export function previousRange(range: Range): Range {
  const length = range.to.getTime() - range.from.getTime();
  return { from: new Date(range.from.getTime() - length), to: range.from };
}

/** How a preset reads in a sentence: "today", "the last 7 days". */
export function presetLabel(preset: Preset): string {
  return preset === 'today' ? 'today' : preset === '7d' ? 'the last 7 days' : 'the last 30 days';
}

/**
 * The last whole week (Monday 00:00 to Monday 00:00 local) before `now`, and its ISO week key
 * (`2026-W23`): what a Monday digest reports, and the key that makes it post once.
 */
export function lastWeek(now: Date, timezone: string): { range: Range; week: string } {
  const zone = new Zone(timezone);
  let monday = zone.dateOf(now.getTime());
  // Back to this week's Monday (weekdayOf: 0 is Sunday), then one week more.
  const back = (weekdayOf(monday) + 6) % 7;
  monday = addDays(monday, -back - 7);
  const next = addDays(monday, 7);
  return { range: { from: new Date(zone.instantOf(monday, 0)), to: new Date(zone.instantOf(next, 0)) }, week: isoWeek(monday) };
}

/** `2026-W23`: the ISO 8601 week of a date (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(date: LocalDate): string {
  const thursday = addDays(date, 3 - ((weekdayOf(date) + 6) % 7));
  const firstOfYear = Date.UTC(thursday.year, 0, 1);
  const week = Math.floor((Date.UTC(thursday.year, thursday.month - 1, thursday.day) - firstOfYear) / (7 * DAY_MS)) + 1;
  return `${thursday.year}-W${String(week).padStart(2, '0')}`;
}

function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// An instant must say its offset: a time without one would be read in the server's zone.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The period a request asks for: `period` (a preset), or `from` and `to` (a date, meaning local
 * midnight in `timezone`, or an instant with its offset; `to` defaults to now and `from` to 7 days
 * before `to`). Anything wrong is a 400 naming the parameter.
 */
export function rangeFromQuery(query: { period?: string | undefined; from?: string | undefined; to?: string | undefined }, now: Date, timezone: string): Range {
  if (query.period !== undefined) {
    if (!isPreset(query.period)) throw new ChannelInputError(`period must be one of ${PRESETS.join(', ')} (got "${query.period}")`, { status: 400, field: 'period' });
    if (query.from !== undefined || query.to !== undefined) throw new ChannelInputError('give either period or from/to, not both', { status: 400, field: 'period' });
    return presetRange(query.period, now, timezone);
  }
  const to = query.to === undefined ? now : instant('to', query.to, timezone);
  const from = query.from === undefined ? new Date(to.getTime() - 7 * DAY_MS) : instant('from', query.from, timezone);
  if (from.getTime() >= to.getTime()) throw new ChannelInputError(`from (${from.toISOString()}) must be before to (${to.toISOString()})`, { status: 400, field: 'from' });
  if (to.getTime() - from.getTime() > MAX_SPAN_MS) throw new ChannelInputError('the period is longer than a year: ask for less at a time', { status: 400, field: 'from' });
  return { from, to };
}

function instant(field: 'from' | 'to', text: string, timezone: string): Date {
  const day = DATE.exec(text);
  if (day) {
    const date = { year: Number(day[1]), month: Number(day[2]), day: Number(day[3]) };
    if (validDay(date)) {
      return new Date(new Zone(timezone).instantOf(date, 0));
    }
  } else if (INSTANT.test(text) && !Number.isNaN(Date.parse(text))) {
    return new Date(text);
  }
  throw new ChannelInputError(`${field} must be a date (2026-06-01) or an instant with its offset (2026-06-01T09:00:00Z) (got "${text.slice(0, 40)}")`, {
    status: 400,
    field,
  });
}

function validDay(date: LocalDate): boolean {
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  return check.getUTCFullYear() === date.year && check.getUTCMonth() + 1 === date.month && check.getUTCDate() === date.day;
}
