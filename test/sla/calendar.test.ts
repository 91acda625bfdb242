import { describe, expect, it } from 'vitest';
import { businessHours, calendarHours } from '../../src/sla/calendar.ts';
import type { BusinessHours, OpeningInterval } from '../../src/sla/types.ts';
import { Zone } from '../../src/sla/zoned.ts';

const H = 3_600_000;
const M = 60_000;
const at = (iso: string) => new Date(iso);
const nineToFive: OpeningInterval[] = [[9 * 60, 17 * 60]];
const weekdays = { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive };
const berlin = (extra: Partial<BusinessHours> = {}) =>
  businessHours({ timezone: 'Europe/Berlin', hours: weekdays, holidays: [], ...extra });

describe('the Europe/Berlin time zone through Intl', () => {
  it('moves from CET to CEST at 01:00 UTC on 2026-03-29 and back at 01:00 UTC on 2026-10-25', () => {
    const zone = new Zone('Europe/Berlin');
    expect(zone.offset(Date.parse('2026-03-29T00:59:59Z'))).toBe(1 * H);
    expect(zone.offset(Date.parse('2026-03-29T01:00:00Z'))).toBe(2 * H);
    expect(zone.offset(Date.parse('2026-10-25T00:59:59Z'))).toBe(2 * H);
    expect(zone.offset(Date.parse('2026-10-25T01:00:00Z'))).toBe(1 * H);
  });

  it('moves a skipped local time on by the gap and takes the earlier of a repeated one', () => {
    const zone = new Zone('Europe/Berlin');
    expect(new Date(zone.instantOf({ year: 2026, month: 3, day: 29 }, 2 * 60 + 30))).toEqual(at('2026-03-29T01:30:00Z'));
    expect(new Date(zone.instantOf({ year: 2026, month: 10, day: 25 }, 2 * 60 + 30))).toEqual(at('2026-10-25T00:30:00Z'));
    expect(new Date(zone.instantOf({ year: 2026, month: 10, day: 24 }, 24 * 60))).toEqual(at('2026-10-24T22:00:00Z'));
  });
});

describe('calendar hours', () => {
  it('counts every millisecond, nights and weekends included', () => {
    const calendar = calendarHours();
    expect(calendar.addWorkingTime(at('2026-03-27T16:00:00Z'), 2 * H)).toEqual(at('2026-03-27T18:00:00Z'));
    expect(calendar.workingTimeBetween(at('2026-03-27T16:00:00Z'), at('2026-03-30T16:00:00Z'))).toBe(72 * H);
    expect(calendar.workingTimeBetween(at('2026-03-30T16:00:00Z'), at('2026-03-27T16:00:00Z'))).toBe(0);
  });
});

describe('business hours, Mon–Fri 09:00–17:00 in Berlin', () => {
  it('carries what is left at closing time over the night to the next opening', () => {
    // Tuesday 2026-06-02, CEST (UTC+2): 16:00 local + 2h → Wednesday 10:00 local.
    expect(berlin().addWorkingTime(at('2026-06-02T14:00:00Z'), 2 * H)).toEqual(at('2026-06-03T08:00:00Z'));
  });

  it('ends a target that runs out exactly at closing time at closing time, not the next morning', () => {
    expect(berlin().addWorkingTime(at('2026-06-02T07:00:00Z'), 8 * H)).toEqual(at('2026-06-02T15:00:00Z'));
  });

  it('starts a clock begun outside hours at the next opening', () => {
    // 07:00 local on a Monday, and noon on a Saturday.
    expect(berlin().addWorkingTime(at('2026-06-01T05:00:00Z'), 30 * M)).toEqual(at('2026-06-01T07:30:00Z'));
    expect(berlin().addWorkingTime(at('2026-06-06T10:00:00Z'), 1 * H)).toEqual(at('2026-06-08T08:00:00Z'));
  });

  it('skips the weekend', () => {
    expect(berlin().addWorkingTime(at('2026-06-05T14:00:00Z'), 2 * H)).toEqual(at('2026-06-08T08:00:00Z'));
    expect(berlin().workingTimeBetween(at('2026-06-05T14:00:00Z'), at('2026-06-08T08:00:00Z'))).toBe(2 * H);
  });

  it('skips holidays given as local dates', () => {
    // Thursday 2026-12-24 16:00 CET; Friday the 25th is a holiday: Monday 10:00 CET.
    const calendar = berlin({ holidays: ['2026-12-25'] });
    expect(calendar.addWorkingTime(at('2026-12-24T15:00:00Z'), 2 * H)).toEqual(at('2026-12-28T09:00:00Z'));
    expect(calendar.workingTimeBetween(at('2026-12-24T00:00:00Z'), at('2026-12-29T00:00:00Z'))).toBe(16 * H);
  });

  it('keeps 09:00 local across the spring change: Friday 16:00 CET + 2h is Monday 10:00 CEST', () => {
    expect(berlin().addWorkingTime(at('2026-03-27T15:00:00Z'), 2 * H)).toEqual(at('2026-03-30T08:00:00Z'));
    expect(berlin().workingTimeBetween(at('2026-03-27T15:00:00Z'), at('2026-03-30T08:00:00Z'))).toBe(2 * H);
  });

  it('keeps 09:00 local across the autumn change: Friday 16:00 CEST + 2h is Monday 10:00 CET', () => {
    expect(berlin().addWorkingTime(at('2026-10-23T14:00:00Z'), 2 * H)).toEqual(at('2026-10-26T09:00:00Z'));
    expect(berlin().workingTimeBetween(at('2026-10-23T14:00:00Z'), at('2026-10-26T09:00:00Z'))).toBe(2 * H);
  });

  it('carries a target longer than a week over several weekends', () => {
    // 50h of 8h days from Monday 2026-06-01 09:00: five full days, then Monday and 2h of Tuesday.
    expect(berlin().addWorkingTime(at('2026-06-01T07:00:00Z'), 50 * H)).toEqual(at('2026-06-09T09:00:00Z'));
  });

  it('adds 30 days of business time (90 working days) a day at a time, not a minute at a time', () => {
    // 720h = 18 weeks of 40h from Monday 2026-01-05 09:00 CET, across the March change: Friday
    // 2026-05-08 17:00 CEST.
    const calendar = berlin();
    const started = performance.now();
    const due = calendar.addWorkingTime(at('2026-01-05T08:00:00Z'), 30 * 24 * H);
    const spent = calendar.workingTimeBetween(at('2026-01-05T08:00:00Z'), due);
    expect(due).toEqual(at('2026-05-08T15:00:00Z'));
    expect(spent).toBe(30 * 24 * H);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('gives back what it added, from any start, across both changes', () => {
    const calendar = berlin({ holidays: ['2026-04-03'] });
    for (const start of ['2026-03-26T18:45:00Z', '2026-03-29T00:30:00Z', '2026-10-22T06:10:00Z', '2026-10-25T01:30:00Z']) {
      for (const ms of [1 * M, 3 * H + 17 * M, 8 * H, 41 * H]) {
        const due = calendar.addWorkingTime(at(start), ms);
        expect(calendar.workingTimeBetween(at(start), due)).toBe(ms);
      }
    }
  });
});

describe('business hours with unusual schedules', () => {
  it('skips the lunch break between two intervals of one day', () => {
    const split: OpeningInterval[] = [[9 * 60, 12 * 60], [13 * 60, 17 * 60]];
    const calendar = businessHours({ timezone: 'UTC', hours: { mon: split }, holidays: [] });
    expect(calendar.addWorkingTime(at('2026-06-01T11:00:00Z'), 2 * H)).toEqual(at('2026-06-01T14:00:00Z'));
    expect(calendar.workingTimeBetween(at('2026-06-01T08:00:00Z'), at('2026-06-01T18:00:00Z'))).toBe(7 * H);
  });

  it('passes over a weekday with no hours', () => {
    const calendar = businessHours({ timezone: 'UTC', hours: { mon: nineToFive, tue: nineToFive, thu: nineToFive }, holidays: [] });
    expect(calendar.addWorkingTime(at('2026-06-02T16:00:00Z'), 2 * H)).toEqual(at('2026-06-04T10:00:00Z'));
  });

  it('counts 23 hours on the spring Sunday and 25 on the autumn one when open all day', () => {
    const calendar = businessHours({ timezone: 'Europe/Berlin', hours: { sun: [[0, 24 * 60]] }, holidays: [] });
    expect(calendar.workingTimeBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'))).toBe(23 * H);
    expect(calendar.workingTimeBetween(at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'))).toBe(25 * H);
  });

  it('counts the wall-clock hours 01:00–04:00 as 2h when 02:00 is skipped and 4h when it repeats', () => {
    const calendar = businessHours({ timezone: 'Europe/Berlin', hours: { sun: [[60, 240]] }, holidays: [] });
    expect(calendar.workingTimeBetween(at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z'))).toBe(2 * H);
    expect(calendar.addWorkingTime(at('2026-03-28T12:00:00Z'), 90 * M)).toEqual(at('2026-03-29T01:30:00Z'));
    expect(calendar.workingTimeBetween(at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'))).toBe(4 * H);
    expect(calendar.addWorkingTime(at('2026-10-24T12:00:00Z'), 3 * H)).toEqual(at('2026-10-25T02:00:00Z'));
  });
});
