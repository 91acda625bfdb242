/**
 * Working time: what an SLA target is measured in. Calendar hours count every millisecond;
 * business hours count only the opening hours of a weekly schedule in one time zone, and none
 * on holidays. Zendesk lets each target run on either; a target in business hours is paused
 * outside them, so a ticket written at night starts its clock at the next opening.
 * https://support.zendesk.com/hc/en-us/articles/4408842938522 (business hours and holidays)
 */
import { WEEKDAYS, type BusinessHours, type SlaPolicy } from './types.ts';
import { Zone, dateKey, isoDate, nextDate, weekdayOf, type LocalDate } from './zoned.ts';

export interface Calendar {
  readonly kind: 'calendar' | 'business';
  /** The instant at which `ms` of working time has passed since `start`. */
  addWorkingTime(start: Date, ms: number): Date;
  /** Working time between `a` and `b`; 0 when `b` is not after `a`. */
  workingTimeBetween(a: Date, b: Date): number;
}

/**
 * Why a bound at all: a schedule with opening hours (policy validation refuses one without)
 * is open within a week of any date, so only an absurd target or holiday list reaches it;
 * failing loudly beats spinning. Forty years of days, walked a day at a time.
 */
const MAX_DAYS = 366 * 40;

/** Every hour counts: plain arithmetic. */
export function calendarHours(): Calendar {
  return {
    kind: 'calendar',
    addWorkingTime: (start, ms) => new Date(start.getTime() + Math.max(0, ms)),
    workingTimeBetween: (a, b) => Math.max(0, b.getTime() - a.getTime()),
  };
}

/** Only the opening hours of `schedule` count, in its time zone, skipping its holidays. */
export function businessHours(schedule: BusinessHours): Calendar {
  const zone = new Zone(schedule.timezone);
  const holidays = new Set(schedule.holidays);

  // The day's opening intervals as instants. Converting each day's wall-clock times anew is
  // what keeps a 09:00 opening at 09:00 local on both sides of a daylight-saving change, and
  // makes a day with a skipped or repeated hour inside its hours 23 or 25 hours long.
  const openings = (date: LocalDate): Array<[number, number]> => {
    if (holidays.has(isoDate(date))) return [];
    const intervals = schedule.hours[WEEKDAYS[weekdayOf(date)]!] ?? [];
    return intervals
      .map(([open, close]): [number, number] => [zone.instantOf(date, open), zone.instantOf(date, close)])
      .filter(([from, to]) => to > from);
  };

  return {
    kind: 'business',
    addWorkingTime(start, ms) {
      const t = start.getTime();
      let remaining = ms;
      if (remaining <= 0) return new Date(t);
      let date = zone.dateOf(t);
      for (let i = 0; i < MAX_DAYS; i += 1, date = nextDate(date)) {
        for (const [open, close] of openings(date)) {
          if (close <= t) continue;
          const from = Math.max(open, t);
          if (remaining <= close - from) return new Date(from + remaining);
          remaining -= close - from;
        }
      }
      throw new RangeError(`business hours: ${ms} ms of working time do not fit in ${MAX_DAYS} days`);
    },
    workingTimeBetween(a, b) {
      const from = a.getTime();
      const to = b.getTime();
      if (to <= from) return 0;
      const last = dateKey(zone.dateOf(to));
      let total = 0;
      for (let date = zone.dateOf(from); dateKey(date) <= last; date = nextDate(date)) {
        for (const [open, close] of openings(date)) {
          total += Math.max(0, Math.min(close, to) - Math.max(open, from));
        }
      }
      return total;
    },
  };
}

/** The calendar a policy measures its targets in. */
export function calendarFor(policy: SlaPolicy): Calendar {
  return policy.businessHours ? businessHours(policy.businessHours) : calendarHours();
}
