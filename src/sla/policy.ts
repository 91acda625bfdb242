/**
 * The SLA policy from the environment: targets per priority merged over defaults, the warning
 * share, business hours, the escalation ladder and the urgent mention. Every bad part becomes
 * a problem naming its variable and the part; `src/config.ts` gathers them into one
 * `ConfigError`. A bad variable leaves its default in the returned policy.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ConfigProblem } from '../errors.ts';
import { formatDuration, parseDuration } from '../shared/duration.ts';
import { businessHoursSchema, ladderSchema, mention, quote, targetsSchema } from './policy-schema.ts';
import { METRICS, PRIORITIES, type BusinessHours, type Priority, type SlaPolicy, type Targets } from './types.ts';

const targets = (spec: Partial<Record<(typeof METRICS)[number], string>>): Targets =>
  Object.fromEntries(Object.entries(spec).map(([metric, text]) => [metric, parseDuration(text)]));

// Defaults for a desk with no configuration, counted in calendar hours. Periodic updates and
// total resolution are opt-in below high priority: on a normal ticket they mostly add noise.
export const DEFAULT_TARGETS: Readonly<Record<Priority, Readonly<Targets>>> = {
  urgent: targets({ firstReply: '30m', nextReply: '1h', periodicUpdate: '2h', resolution: '4h', totalResolution: '1d' }),
  high: targets({ firstReply: '1h', nextReply: '2h', periodicUpdate: '4h', resolution: '8h', totalResolution: '2d' }),
  normal: targets({ firstReply: '4h', nextReply: '8h', resolution: '2d' }),
  low: targets({ firstReply: '1d', nextReply: '2d', resolution: '5d' }),
};

/** product.md §5: warn at three quarters of the target. */
export const DEFAULT_WARN_AT = 0.75;

export interface ParsedSlaPolicy {
  policy: SlaPolicy;
  problems: ConfigProblem[];
}

/** Builds the SLA policy from `SLA_*` variables, with every problem found (empty when valid). */
export function parseSlaPolicy(env: Record<string, string | undefined>): ParsedSlaPolicy {
  const problems: ConfigProblem[] = [];
  const read = <T>(variable: string, parse: (text: string) => T | undefined): T | undefined => {
    const text = env[variable]?.trim();
    if (!text) return undefined;
    return parse(text);
  };
  const json = <S extends z.ZodType>(variable: string, schema: S) =>
    read(variable, (text) => {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        problems.push({ variable, message: `is not valid JSON (${(error as Error).message})` });
        return undefined;
      }
      const result = schema.safeParse(value);
      if (result.success) return result.data as z.output<S>;
      for (const issue of result.error.issues) problems.push({ variable, message: describe(issue) });
      return undefined;
    });

  const policy: SlaPolicy = {
    targets: mergeTargets(json('SLA_TARGETS', targetsSchema)),
    warnAt: read('SLA_WARN_AT', (text) => parseShare(text, problems)) ?? DEFAULT_WARN_AT,
    businessHours: (json('SLA_BUSINESS_HOURS', businessHoursSchema) as BusinessHours | undefined) ?? null,
    ladder: orderLadder(json('SLA_LADDER', ladderSchema) ?? [], problems),
    urgentMention:
      read('SLA_URGENT_MENTION', (text) => {
        const result = mention.safeParse(text);
        if (result.success) return result.data;
        problems.push({ variable: 'SLA_URGENT_MENTION', message: result.error.issues[0]!.message });
        return undefined;
      }) ?? null,
  };
  return { policy, problems };
}

/** A short stable digest of a policy, so the engine can tell when timers need rescheduling. */
export function policyFingerprint(policy: SlaPolicy): string {
  return createHash('sha256').update(JSON.stringify(policy)).digest('hex').slice(0, 16);
}

/** One zod issue as `urgent.firstReply: "30x" is not a duration`. */
function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
  if (!path || issue.message.startsWith(`${path} `)) return issue.message;
  return `${path}: ${issue.message}`;
}

// A value given for a priority replaces that priority's defaults target by target; `null`
// switches a target (or a whole priority) off, so "each target optional per priority" holds.
function mergeTargets(input: z.output<typeof targetsSchema> | undefined): Record<Priority, Targets> {
  const merged = {} as Record<Priority, Targets>;
  for (const priority of PRIORITIES) {
    const given = input?.[priority];
    const result: Targets = {};
    for (const metric of METRICS) {
      const value = given === null ? null : given?.[metric] === undefined ? DEFAULT_TARGETS[priority][metric] : given[metric];
      if (value !== null && value !== undefined) result[metric] = value;
    }
    merged[priority] = result;
  }
  return merged;
}

/** `0.75` or `75%`, strictly between 0 and 1. */
function parseShare(text: string, problems: ConfigProblem[]): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  const share = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (share > 0 && share < 1) return share;
  problems.push({
    variable: 'SLA_WARN_AT',
    message: `${quote(text)} is not a share of the target: write a number between 0 and 1 (0.75) or a percentage (75%)`,
  });
  return undefined;
}

/** Sorts ladder steps by delay; two steps at one delay would mention twice at once. */
function orderLadder(steps: Array<{ after: number; mention: string }>, problems: ConfigProblem[]) {
  const ladder = steps.map((step) => ({ afterMs: step.after, mention: step.mention })).sort((a, b) => a.afterMs - b.afterMs);
  for (let i = 1; i < ladder.length; i += 1) {
    if (ladder[i]!.afterMs === ladder[i - 1]!.afterMs) {
      problems.push({ variable: 'SLA_LADDER', message: `two steps after the same delay (${formatDuration(ladder[i]!.afterMs)})` });
      return [];
    }
  }
  return ladder;
}
