/**
 * Targets layered over targets: how SLA_TARGETS goes over the defaults, and a team's or a
 * contact tag's targets over those (src/sla/scopes.ts).
 */
import type { TargetsInput } from './policy-schema.ts';
import { METRICS, PRIORITIES, type Priority, type Targets } from './types.ts';

/**
 * `input` over `base`, priority by priority and target by target: a value replaces, `null`
 * switches off (a target, or a whole priority), leaving a target out keeps the base's. The
 * same rule merges SLA_TARGETS over the defaults and a team's or a tag's targets over those.
 */
export function layerTargets(base: Readonly<Record<Priority, Readonly<Targets>>>, input: TargetsInput | undefined): Record<Priority, Targets> {
  const merged = {} as Record<Priority, Targets>;
  for (const priority of PRIORITIES) {
    const given = input?.[priority];
    const result: Targets = {};
    for (const metric of METRICS) {
      const value = given === null ? null : given?.[metric] === undefined ? base[priority][metric] : given[metric];
      if (value !== null && value !== undefined) result[metric] = value;
    }
    merged[priority] = result;
  }
  return merged;
}
