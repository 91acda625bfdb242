/**
 * The SLA vocabulary: priorities, statuses and metrics in the product's words, and the policy
 * that `parseSlaPolicy` builds from the environment. Durations are milliseconds.
 */

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export const METRICS = ['firstReply', 'nextReply', 'periodicUpdate', 'resolution', 'totalResolution'] as const;
export type Metric = (typeof METRICS)[number];

/** The targets of one priority; a metric without a target does not apply to its tickets. */
export type Targets = Partial<Record<Metric, number>>;

/** Local wall-clock minutes since midnight, `[open, close)`; close may be 1440 (24:00). */
export type OpeningInterval = readonly [open: number, close: number];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A weekly schedule in one IANA time zone, with holidays as local `YYYY-MM-DD` dates. */
export interface BusinessHours {
  timezone: string;
  hours: Partial<Record<Weekday, OpeningInterval[]>>;
  holidays: string[];
}

/** A further mention once a breached target stays unmet for `afterMs` more of working time. */
export interface LadderStep {
  afterMs: number;
  mention: string;
}

export interface SlaPolicy {
  targets: Record<Priority, Targets>;
  /** Share of a target (0 < warnAt < 1) at which the warning goes out. */
  warnAt: number;
  /** Null: calendar hours, every hour counts. */
  businessHours: BusinessHours | null;
  /** Sorted by `afterMs`, strictly increasing. */
  ladder: LadderStep[];
  /** Slack mention added to breaches of urgent tickets; null for none. */
  urgentMention: string | null;
}
