/**
 * The SLA policy from the environment: targets per priority merged over defaults, the warning
 * share, business hours, the escalation ladder and the urgent mention. Every bad part becomes
 * a problem naming its variable and the part, recorded on the one `EnvReader` whose problems
 * `src/config.ts` throws as one `ConfigError`. A bad variable leaves its default in the policy.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { formatDuration, parseDuration } from '../shared/duration.ts';
import type { EnvReader } from '../shared/env.ts';
import { businessHoursSchema, ladderSchema, mention, quote, targetsSchema, type TargetsInput } from './policy-schema.ts';
import type { SlaScopes } from './scopes.ts';
import { layerTargets } from './targets.ts';
import { METRICS, type BusinessHours, type Priority, type SlaPolicy, type Targets } from './types.ts';

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

/**
 * Builds the SLA policy from `SLA_*` variables; every bad part is a problem recorded on the
 * reader, and leaves its default in the policy.
 */
export function parseSlaPolicy(env: EnvReader): SlaPolicy {
  const json = <S extends z.ZodType>(variable: string, schema: S): z.output<S> | undefined => {
    const value = env.json(variable);
    if (value === undefined) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    // Each message names the part and quotes its value; the whole JSON would only bury it.
    for (const issue of result.error.issues) env.problem(variable, describe(issue), { quote: false });
    return undefined;
  };
  const warnAt = env.text('SLA_WARN_AT');
  const urgentMention = env.text('SLA_URGENT_MENTION');
  return {
    targets: mergeTargets(json('SLA_TARGETS', targetsSchema)),
    warnAt: (warnAt === undefined ? undefined : parseShare(warnAt, env)) ?? DEFAULT_WARN_AT,
    businessHours: (json('SLA_BUSINESS_HOURS', businessHoursSchema) as BusinessHours | undefined) ?? null,
    ladder: orderLadder(json('SLA_LADDER', ladderSchema) ?? [], env),
    urgentMention: (urgentMention === undefined ? undefined : parseMention(urgentMention, env)) ?? null,
  };
}

/**
 * A short stable digest of a policy and the teams' and tags' own SLA (switchboard.yml), so the
 * engine can tell when timers need rescheduling. Without any, the digest of the policy alone,
 * as before there were any.
 */
export function policyFingerprint(policy: SlaPolicy, scopes?: SlaScopes): string {
  const scoped = scopes !== undefined && (Object.keys(scopes.teams).length > 0 || scopes.tags.length > 0);
  const described = scoped ? { policy, scopes } : policy;
  return createHash('sha256').update(JSON.stringify(described)).digest('hex').slice(0, 16);
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
function mergeTargets(input: TargetsInput | undefined): Record<Priority, Targets> {
  return layerTargets(DEFAULT_TARGETS, input);
}

/** `0.75` or `75%`, strictly between 0 and 1. */
function parseShare(text: string, env: EnvReader): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  const share = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (share > 0 && share < 1) return share;
  return env.problem(
    'SLA_WARN_AT',
    `${quote(text)} is not a share of the target: write a number between 0 and 1 (0.75) or a percentage (75%)`,
    { quote: false },
  );
}

/** A Slack mention (`<@U…>`, `<!subteam^…>`, `<!here>`) that notifies someone. */
function parseMention(text: string, env: EnvReader): string | undefined {
  const result = mention.safeParse(text);
  if (result.success) return result.data;
  return env.problem('SLA_URGENT_MENTION', result.error.issues[0]!.message, { quote: false });
}

/** Sorts ladder steps by delay; two steps at one delay would mention twice at once. */
function orderLadder(steps: Array<{ after: number; mention: string }>, env: EnvReader) {
  const ladder = steps.map((step) => ({ afterMs: step.after, mention: step.mention })).sort((a, b) => a.afterMs - b.afterMs);
  for (let i = 1; i < ladder.length; i += 1) {
    if (ladder[i]!.afterMs === ladder[i - 1]!.afterMs) {
      env.problem('SLA_LADDER', `two steps after the same delay (${formatDuration(ladder[i]!.afterMs)})`, { quote: false });
      return [];
    }
  }
  return ladder;
}
