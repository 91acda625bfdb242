/**
 * When a new ticket's customer can expect an answer, in their language: the first-reply target
 * ("4 hours"), the moment it falls due in working time, and, outside business hours, when the
 * desk opens again ("Monday from 9:00"). Dates read in the business hours' time zone.
 */
import type { Calendar } from '../sla/calendar.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The placeholders of an acknowledgement, and whether the desk is open now. */
export interface ExpectedReply {
  open: boolean;
  values: { 'reply.within': string; 'reply.by': string; 'opens.day'?: string; 'opens.time'?: string };
}

/**
 * The expected reply for a ticket written at `at` with a first-reply target of `targetMs`
 * working time. Open when `at` is inside working time (always, in calendar hours).
 */
export function expectedReply(targetMs: number, calendar: Calendar, timeZone: string, at: Date, language: string): ExpectedReply {
  const due = calendar.addWorkingTime(at, targetMs);
  const within = duration(targetMs, language);
  const open = calendar.kind === 'calendar' || calendar.workingTimeBetween(at, new Date(at.getTime() + MINUTE)) > 0;
  const by = `${dayLabel(due, at, timeZone, language)} ${timeLabel(due, timeZone, language)}`;
  if (open) return { open, values: { 'reply.within': within, 'reply.by': by } };
  // The first working millisecond from now is the opening: the instant before it ends the gap.
  const opens = new Date(calendar.addWorkingTime(at, 1).getTime() - 1);
  return { open, values: { 'reply.within': within, 'reply.by': by, 'opens.day': dayLabel(opens, at, timeZone, language), 'opens.time': timeLabel(opens, timeZone, language) } };
}

/** A target in the largest whole unit that states it: "4 hours", "30 minutes", "2 days". */
export function duration(ms: number, language: string): string {
  const [unit, count] = ms % DAY === 0 ? (['day', ms / DAY] as const) : ms % HOUR === 0 ? (['hour', ms / HOUR] as const) : (['minute', Math.round(ms / MINUTE)] as const);
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(count);
}

/** "today", "tomorrow", a weekday within the week, else the date. */
function dayLabel(when: Date, now: Date, timeZone: string, language: string): string {
  const days = Math.round((midnight(when, timeZone) - midnight(now, timeZone)) / DAY);
  if (days === 0 || days === 1) return new Intl.RelativeTimeFormat(language, { numeric: 'auto' }).format(days, 'day');
  if (days > 1 && days < 7) return new Intl.DateTimeFormat(language, { weekday: 'long', timeZone }).format(when);
  return new Intl.DateTimeFormat(language, { weekday: 'long', day: 'numeric', month: 'long', timeZone }).format(when);
}

function timeLabel(when: Date, timeZone: string, language: string): string {
  return new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit', timeZone }).format(when);
}

/** The local calendar date of `when`, as a UTC midnight: days between two of them are whole. */
function midnight(when: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(when).map((p) => [p.type, p.value]),
  );
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
}
