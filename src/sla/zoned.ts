/**
 * Wall-clock arithmetic in an IANA time zone with nothing but `Intl` (Node ships full ICU):
 * the local date of an instant, and the instant of a local date and time.
 */

/** A local calendar date; `month` 1–12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** True if `Intl` knows the zone (`Europe/Berlin`, `UTC`); false for `Mars/Base`. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Reads instants in one zone: its UTC offset, local dates, and local times back to instants. */
export class Zone {
  readonly #format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    // `hourCycle: 'h23'`, not `hour12: false`: with the latter some locales print midnight as
    // 24, which would put an instant on the wrong day.
    // https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/Intl/DateTimeFormat/DateTimeFormat#hourcycle
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's wall clock at `epochMs`, as if it were UTC. */
  #wall(epochMs: number): number {
    const field: Record<string, number> = {};
    for (const part of this.#format.formatToParts(epochMs)) {
      if (part.type !== 'literal') field[part.type] = Number(part.value);
    }
    return Date.UTC(field.year!, field.month! - 1, field.day!, field.hour!, field.minute!, field.second!);
  }

  /** Milliseconds the zone is ahead of UTC at `epochMs` (+3_600_000 for CET). */
  offset(epochMs: number): number {
    const whole = Math.floor(epochMs / 1000) * 1000;
    return this.#wall(whole) - whole;
  }

  /** The local date on which `epochMs` falls. */
  dateOf(epochMs: number): LocalDate {
    const wall = new Date(epochMs + this.offset(epochMs));
    return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
  }

  /**
   * The instant the wall clock shows `minutes` after midnight on `date` (1440 is the next
   * midnight). A time skipped by a spring-forward change moves on by the gap (02:30 → 03:30);
   * a time that happens twice in the autumn is its earlier occurrence. These are Temporal's
   * "compatible" rules, as in RFC 5545 for local times.
   * https://tc39.es/proposal-temporal/docs/zoneddatetime.html#disambiguation
   */
  instantOf(date: LocalDate, minutes: number): number {
    const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE;
    const before = this.offset(wall - DAY);
    const after = this.offset(wall + DAY);
    const valid = [before, after].map((o) => wall - o).filter((t) => this.offset(t) === wall - t);
    if (valid.length > 0) return Math.min(...valid);
    return wall - before;
  }
}

/** The day after `date`. */
export function nextDate(date: LocalDate): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** `date` as `YYYY-MM-DD`. */
export function isoDate(date: LocalDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** 0 for Sunday … 6 for Saturday: a property of the date alone, in any zone. */
export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/** A sortable number for a date (20261025). */
export function dateKey(date: LocalDate): number {
  return date.year * 10_000 + date.month * 100 + date.day;
}
