/**
 * The zod schemas behind `parseSlaPolicy`. Each names the bad part and quotes the bad value
 * in its message, so a problem reads `urgent.firstReply: "30x" is not a duration`.
 */
import { z } from 'zod';
import { parseDuration } from '../shared/duration.ts';
import { METRICS, PRIORITIES, WEEKDAYS, type OpeningInterval } from './types.ts';
import { isTimeZone } from './zoned.ts';

/** A value as it appears in the variable, for messages. */
export function quote(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** `"30x" is not a duration…`, or `is missing` when there is no value at all. */
function complaint(input: unknown, text: string): string {
  return input === undefined ? 'is missing' : `${quote(input)} ${text}`;
}

/** A duration string (`30m`, `1h30m`) longer than zero, as milliseconds. */
export const positiveDuration = z
  .string({ error: (issue) => complaint(issue.input, 'is not a duration: write a string like "30m", "4h" or "2d"') })
  .transform((text, ctx) => {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${quote(text)} is not a duration: write 90s, 30m, 4h or 2d`, input: text });
      return z.NEVER;
    }
    if (ms <= 0) ctx.addIssue({ code: 'custom', message: `${quote(text)} must be longer than zero`, input: text });
    return ms;
  });

const list = (names: readonly string[]) => names.join(', ');

const unknownKeys = (what: string, known: readonly string[]) => (issue: { code?: string; keys?: string[] }) =>
  issue.code === 'unrecognized_keys'
    ? `unknown ${what} ${issue.keys!.map((k) => quote(k)).join(', ')} (known: ${list(known)})`
    : `must be an object`;

/** One priority's targets; `null` switches a default target off. */
const priorityTargets = z.strictObject(
  Object.fromEntries(METRICS.map((metric) => [metric, positiveDuration.nullable().optional()])) as Record<
    (typeof METRICS)[number],
    z.ZodOptional<z.ZodNullable<typeof positiveDuration>>
  >,
  { error: unknownKeys('target', METRICS) },
);

/** `SLA_TARGETS`: targets by priority, each optional; `null` for a priority switches all off. */
export const targetsSchema = z.strictObject(
  Object.fromEntries(PRIORITIES.map((priority) => [priority, priorityTargets.nullable().optional()])) as Record<
    (typeof PRIORITIES)[number],
    z.ZodOptional<z.ZodNullable<typeof priorityTargets>>
  >,
  { error: unknownKeys('priority', PRIORITIES) },
);

export type TargetsInput = z.output<typeof targetsSchema>;

// Slack's mention syntax: a user `<@U…>` (or `<@W…>` on Enterprise Grid), a user group
// `<!subteam^S…>` (optionally `|handle`), or `<!here>` / `<!channel>` / `<!everyone>`. A bare
// `@name` is shown as text and notifies nobody.
// https://api.slack.com/reference/surfaces/formatting#mentioning-users
const MENTION = /^<(?:@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+(?:\|[^<>]*)?|!here|!channel|!everyone)>$/;

/** One or more Slack mentions separated by spaces. */
export const mention = z
  .string({ error: (issue) => complaint(issue.input, 'is not a Slack mention') })
  .trim()
  .refine((text) => text.length > 0 && text.split(/\s+/).every((part) => MENTION.test(part)), {
    error: (issue) => `${quote(issue.input)} is not a Slack mention: write <@U123> for a person or <!subteam^S123> for a group`,
  });

/** `SLA_LADDER`: further mentions, each some working time after the breach. */
export const ladderSchema = z
  .array(z.strictObject({ after: positiveDuration, mention }, { error: unknownKeys('field', ['after', 'mention']) }), {
    error: 'must be a list like [{"after":"30m","mention":"<!subteam^S456>"}]',
  });

const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;

/** `HH:MM` (00:00 to 24:00) as minutes after midnight. */
const clockTime = z
  .string({ error: (issue) => complaint(issue.input, 'is not a time: write HH:MM, like 09:00') })
  .transform((text, ctx) => {
    const match = TIME.exec(text);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `${quote(text)} is not a time: write HH:MM, like 09:00`, input: text });
      return z.NEVER;
    }
    return match[1] === undefined ? 1440 : Number(match[1]) * 60 + Number(match[2]);
  });

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

// An interval never crosses midnight, as in Zendesk's schedules: a night shift is written as
// two intervals, one on each day. https://support.zendesk.com/hc/en-us/articles/4408842938522
const interval = z
  .tuple([clockTime, clockTime], { error: 'write an interval as ["09:00", "17:00"]' })
  .refine(([open, close]) => close > open, {
    error: (issue) => {
      const [open, close] = issue.input as [number, number];
      return `closes at ${hhmm(close)} before it opens at ${hhmm(open)}: split a night across two days`;
    },
  });

const intervals = z.array(interval, { error: 'write hours as ["09:00", "17:00"] or [["09:00", "12:00"], ["13:00", "17:00"]]' });

/**
 * One day's hours: `["09:00","17:00"]`, several `[["09:00","12:00"],["13:00","17:00"]]`, or
 * `[]`/`null` for closed. The shape picks the schema, so a problem's path is the one written.
 */
const dayHours = z.unknown().transform((value, ctx) => {
  const single = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string');
  const result = single ? interval.safeParse(value) : intervals.safeParse(value ?? []);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
    return z.NEVER;
  }
  const given = (single ? [result.data] : result.data) as OpeningInterval[];
  const sorted = [...given].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i += 1) {
    const [prev, next] = [sorted[i - 1]!, sorted[i]!];
    if (next[0] < prev[1]) {
      ctx.addIssue({
        code: 'custom',
        message: `${hhmm(prev[0])}–${hhmm(prev[1])} and ${hhmm(next[0])}–${hhmm(next[1])} overlap`,
        input: value,
      });
    }
  }
  return sorted;
});

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written `YYYY-MM-DD`. */
const localDate = z.string({ error: (issue) => complaint(issue.input, 'is not a date: write YYYY-MM-DD') }).refine(
  (text) => {
    const match = DATE.exec(text);
    if (!match) return false;
    const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    return date.toISOString().slice(0, 10) === text;
  },
  { error: (issue) => `${quote(issue.input)} is not a date: write YYYY-MM-DD` },
);

/** `SLA_BUSINESS_HOURS`: a time zone, hours per weekday (missing days are closed), holidays. */
export const businessHoursSchema = z
  .strictObject(
    {
      timezone: z
        .string({ error: (issue) => `timezone ${complaint(issue.input, 'is not a time zone name like "Europe/Berlin"')}` })
        .refine(isTimeZone, { error: (issue) => `timezone ${quote(issue.input)} is unknown` }),
      hours: z.strictObject(
        Object.fromEntries(WEEKDAYS.map((day) => [day, dayHours.optional()])) as Record<
          (typeof WEEKDAYS)[number],
          z.ZodOptional<typeof dayHours>
        >,
        { error: unknownKeys('day', WEEKDAYS) },
      ),
      holidays: z.array(localDate, { error: 'must be a list of dates like ["2026-12-25"]' }).default([]),
    },
    { error: unknownKeys('field', ['timezone', 'hours', 'holidays']) },
  )
  .refine((schedule) => Object.values(schedule.hours).some((day) => day !== undefined && day.length > 0), {
    error: 'no opening hours on any day; leave business hours out to count calendar hours',
    path: ['hours'],
  });
