import type { ChannelName } from '../channels/contract.ts';
import type { Priority } from './lifecycle.ts';

/**
 * Teams and routing rules (switchboard.yml): which team a new ticket belongs to, and what a
 * rule sets on it at intake. Pure: evaluated inside the intake transaction from what the first
 * message and its contact say.
 */

export interface Team {
  name: string;
  /** The Slack channel its cards are posted in. */
  channel: string;
  /** Slack user ids of its agents. */
  members: string[];
  /** A Slack user group whose members are its agents too. */
  usergroup?: string;
  skills: string[];
  /** How new tickets get an agent: not at all, in turn, or to whoever has the fewest open. */
  assignment: { strategy: AssignmentStrategy; capacity: number | undefined };
}

export const ASSIGNMENT_STRATEGIES = ['off', 'round-robin', 'least-loaded'] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

export interface RuleConditions {
  channels?: ChannelName[];
  /** Any of these words in the text or the subject (case-insensitive, whole words). */
  keywords?: string[];
  /** A regular expression over the subject and text. */
  pattern?: RegExp;
  /** The contact carries this tag. */
  contactTag?: string;
  /** The sender's email address is at this domain. */
  emailDomain?: string;
  /** The contact's custom fields have these values. */
  custom?: Record<string, string>;
  /** Inside or outside business hours, when the message arrives. */
  hours?: 'inside' | 'outside';
}

export interface RuleActions {
  team?: string;
  priority?: Priority;
  tags?: string[];
  assignee?: string;
  /** No later rule is looked at. */
  stop?: boolean;
}

export interface Rule {
  name: string;
  when: RuleConditions;
  then: RuleActions;
}

export interface Routing {
  /** Every team, the default one first. */
  teams: Team[];
  /** The team a ticket no rule places belongs to. */
  defaultTeam: string | undefined;
  rules: Rule[];
}

/** What the first message of a new ticket offers the rules. */
export interface RoutingInput {
  channel: ChannelName;
  text: string;
  subject: string | null;
  /** The sender's address as stored (an email address, an E.164 number, …). */
  address: string;
  contactTags: readonly string[];
  contactCustom: Readonly<Record<string, unknown>>;
  /** Whether the arrival is inside business hours (undefined: no business hours configured). */
  insideHours: boolean | undefined;
}

/** What the rules decided: the team and what they set, and the rules that matched, in order. */
export interface RoutingDecision {
  team: string | undefined;
  priority?: Priority;
  tags: string[];
  assignee?: string;
  rules: string[];
}

export const NO_ROUTING: Routing = { teams: [], defaultTeam: undefined, rules: [] };

/** Applies the rules in order: each match sets what it names (a later match overrides), `stop` ends the walk. */
export function route(routing: Routing, input: RoutingInput): RoutingDecision {
  const decision: RoutingDecision = { team: routing.defaultTeam, tags: [], rules: [] };
  for (const rule of routing.rules) {
    if (!matches(rule.when, input)) continue;
    decision.rules.push(rule.name);
    const { team, priority, tags, assignee, stop } = rule.then;
    if (team) decision.team = team;
    if (priority) decision.priority = priority;
    if (tags) decision.tags = [...new Set([...decision.tags, ...tags])];
    if (assignee) decision.assignee = assignee;
    if (stop) break;
  }
  return decision;
}

function matches(when: RuleConditions, input: RoutingInput): boolean {
  const haystack = `${input.subject ?? ''}\n${input.text}`;
  if (when.channels && !when.channels.includes(input.channel)) return false;
  if (when.keywords && !when.keywords.some((word) => wordPattern(word).test(haystack))) return false;
  if (when.pattern && !when.pattern.test(haystack)) return false;
  if (when.contactTag && !input.contactTags.includes(when.contactTag)) return false;
  if (when.emailDomain && !input.address.toLowerCase().endsWith(`@${when.emailDomain.toLowerCase()}`)) return false;
  if (when.custom && !Object.entries(when.custom).every(([field, value]) => String(input.contactCustom[field] ?? '') === value)) return false;
  if (when.hours && input.insideHours !== undefined && (when.hours === 'inside') !== input.insideHours) return false;
  if (when.hours && input.insideHours === undefined && when.hours === 'outside') return false;
  return true;
}

function wordPattern(word: string): RegExp {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'iu');
}

/** The channel a team's cards go to; the default team's for an unknown or missing team. */
export function teamChannel(routing: Routing, team: string | null | undefined, fallback: string | undefined): string | undefined {
  return routing.teams.find((t) => t.name === team)?.channel ?? routing.teams.find((t) => t.name === routing.defaultTeam)?.channel ?? fallback;
}
