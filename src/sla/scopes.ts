/**
 * SLA targets narrower than the desk's (switchboard.yml): a team's own targets and business
 * hours, and targets for contacts with a tag (VIP). Like Zendesk's SLA policies picked by a
 * ticket's group and tags, but layered rather than first-match: a contact tag's targets over
 * the team's over the global policy (SLA_TARGETS), metric by metric, so a VIP tag that sets
 * only a first reply keeps the team's other targets. Hours are the team's, else the desk's.
 * https://support.zendesk.com/hc/en-us/articles/4408829459866 (SLA policies and their conditions)
 */
import { calendarFor, type Calendar } from './calendar.ts';
import type { TargetsInput } from './policy-schema.ts';
import { layerTargets } from './targets.ts';
import type { BusinessHours, SlaPolicy } from './types.ts';

/** One team's own SLA: targets over the desk's, and hours (null: calendar hours; absent: the desk's). */
export interface TeamSla {
  targets?: TargetsInput;
  businessHours?: BusinessHours | null;
}

/** Targets for the tickets of contacts carrying `tag`. */
export interface TagSla {
  tag: string;
  targets: TargetsInput;
}

/** Every narrower SLA the file sets; tags in the file's order, the first one a contact carries winning. */
export interface SlaScopes {
  teams: Readonly<Record<string, TeamSla>>;
  tags: readonly TagSla[];
}

export const NO_SLA_SCOPES: SlaScopes = { teams: {}, tags: [] };

/** What picks a ticket's targets: its team and its contact's tags. */
export interface SlaScope {
  team: string | null;
  tags: readonly string[];
}

/** The policy and calendar a ticket is measured by. */
export interface ScopedPolicy {
  policy: SlaPolicy;
  calendar: Calendar;
}

/** True when the file narrows nothing: every ticket is measured by the desk's policy. */
export function isUnscoped(scopes: SlaScopes): boolean {
  return Object.keys(scopes.teams).length === 0 && scopes.tags.length === 0;
}

/**
 * The policy for each ticket's scope. Calendars are built once per team; the policies per
 * distinct team and tag set, since a desk has few of each.
 */
export function scopedPolicies(base: SlaPolicy, scopes: SlaScopes): (scope: SlaScope) => ScopedPolicy {
  const desk: ScopedPolicy = { policy: base, calendar: calendarFor(base) };
  if (isUnscoped(scopes)) return () => desk;
  const calendars = new Map<string, Calendar>();
  const cache = new Map<string, ScopedPolicy>();
  return (scope) => {
    const team = scope.team === null ? undefined : scopes.teams[scope.team];
    // Tags apply last-to-first so the first in the file wins where two set the same target.
    const tags = scopes.tags.filter((t) => scope.tags.includes(t.tag));
    const key = JSON.stringify([team ? scope.team : null, tags.map((t) => t.tag)]);
    const known = cache.get(key);
    if (known) return known;
    let targets = layerTargets(base.targets, team?.targets);
    for (const tag of [...tags].reverse()) targets = layerTargets(targets, tag.targets);
    let calendar = desk.calendar;
    let businessHours = base.businessHours;
    if (team && team.businessHours !== undefined) {
      businessHours = team.businessHours;
      const name = scope.team!;
      calendar = calendars.get(name) ?? calendarFor({ ...base, businessHours });
      calendars.set(name, calendar);
    }
    const scoped: ScopedPolicy = { policy: { ...base, targets, businessHours }, calendar };
    cache.set(key, scoped);
    return scoped;
  };
}
