/**
 * switchboard.yml: the desk's teams and routing rules, what Switchboard says to customers by
 * itself (`customer:`, src/customer) and canned replies (`macros:`, src/macros), in a file an
 * admin edits (environment variables keep configuring everything they did). Validated at start-up, every problem named
 * by its path in the file (`teams[1].channel: not a Slack channel id`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { strictMapping } from './shared/schema.ts';
import { customerSchema, customerSettings, type CustomerSettings } from './customer/config.ts';
import { macroDefinitions, macrosSchema } from './macros/config.ts';
import type { MacroDefinition } from './macros/types.ts';
import type { ConfigProblem } from './errors.ts';
import { businessHoursSchema, targetsSchema } from './sla/policy-schema.ts';
import { NO_SLA_SCOPES, type SlaScopes } from './sla/scopes.ts';
import { PRIORITIES, type BusinessHours } from './sla/types.ts';
import { ASSIGNMENT_STRATEGIES, type Routing, type Rule, type Team } from './tickets/routing.ts';

const SLACK_CHANNEL = /^[CG][A-Z0-9]{8,}$/;
const SLACK_USER = /^[UW][A-Z0-9]{8,}$/;
const SLACK_USERGROUP = /^S[A-Z0-9]{8,}$/;
const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
// A contact tag as `/ticket contact` and the contacts API take it (src/tickets/contacts.ts).
const TAG = /^[\p{L}\p{N}][\p{L}\p{N}_.:-]{0,63}$/u;

const text = (what: string) => z.string({ error: `must be ${what}` }).trim().min(1, { error: `must be ${what}` });
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'must be a list' });
const strict = strictMapping;

const teamSchema = strict({
  name: z.string({ error: 'must be a name' }).regex(NAME, { error: 'must be a short name: lower-case letters, digits, - and _' }),
  channel: z.string({ error: 'not a Slack channel id' }).regex(SLACK_CHANNEL, { error: 'not a Slack channel id (like C0123456789: the channel\'s details, at the bottom)' }),
  members: list(z.string().regex(SLACK_USER, { error: 'not a Slack user id (like U0123456789: a profile\'s ⋮ menu → Copy member ID)' })).default([]),
  usergroup: z.string().regex(SLACK_USERGROUP, { error: 'not a Slack user group id (like S0123456789)' }).optional(),
  skills: list(text('a skill')).default([]),
  default: z.boolean({ error: 'must be true or false' }).optional(),
  assignment: strict({
    strategy: z.enum(ASSIGNMENT_STRATEGIES, { error: `must be one of ${ASSIGNMENT_STRATEGIES.join(', ')}` }),
    capacity: z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).positive({ error: 'must be at least 1' }).optional(),
  }).optional(),
  // The team's own SLA, shaped like SLA_BUSINESS_HOURS and SLA_TARGETS; `businessHours: null`
  // counts calendar hours for a team that works around the clock.
  businessHours: businessHoursSchema.nullable().optional(),
  sla: targetsSchema.optional(),
});

// Targets for contacts with a tag (VIP), shaped like SLA_TARGETS.
const slaSchema = strict({
  tags: z
    .record(
      z.string().regex(TAG, { error: 'not a tag: letters, digits and _ . : - (up to 64)' }),
      targetsSchema,
      { error: (issue) => (issue.code === 'invalid_key' ? 'not a tag: letters, digits and _ . : - (up to 64)' : 'must be a mapping of tag: targets by priority') },
    )
    .default({}),
});

const ruleSchema = strict({
  name: text('a name'),
  when: strict({
    channel: z.union([text('a channel name'), list(text('a channel name'))]).optional(),
    keywords: list(text('a word')).optional(),
    regex: z
      .string({ error: 'must be a regular expression' })
      .refine(
        (source) => {
          try {
            new RegExp(source, 'iu');
            return true;
          } catch {
            return false;
          }
        },
        { error: (issue) => `not a valid regular expression: ${JSON.stringify(issue.input)}` },
      )
      .optional(),
    tag: text('a tag').optional(),
    emailDomain: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, { error: 'not an email domain (like example.com)' }).optional(),
    custom: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String), { error: 'must be a mapping of field: value' }).optional(),
    hours: z.enum(['inside', 'outside'], { error: 'must be inside or outside' }).optional(),
  }).default({}),
  then: strict({
    team: z.string().regex(NAME, { error: 'must be a team name' }).optional(),
    priority: z.enum(PRIORITIES, { error: `must be one of ${PRIORITIES.join(', ')}` }).optional(),
    tags: list(text('a tag')).optional(),
    assignee: z.string().regex(SLACK_USER, { error: 'not a Slack user id (like U0123456789)' }).optional(),
    stop: z.boolean({ error: 'must be true or false' }).optional(),
  }).refine((then) => Object.keys(then).length > 0, { error: 'says nothing to do: set team, priority, tags, assignee or stop' }),
});

const fileSchema = strict({
  teams: list(teamSchema).default([]),
  rules: list(ruleSchema).default([]),
  customer: customerSchema.optional(),
  sla: slaSchema.optional(),
  macros: macrosSchema.default([]),
}).superRefine((file, ctx) => {
  const names = new Set<string>();
  file.teams.forEach((team, i) => {
    if (team.assignment && team.assignment.strategy !== 'off' && team.members.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['teams', i, 'members'], message: `${team.assignment.strategy} needs members to assign to` });
    }
    if (names.has(team.name)) ctx.addIssue({ code: 'custom', path: ['teams', i, 'name'], message: `another team is already named ${team.name}` });
    names.add(team.name);
  });
  const defaults = file.teams.flatMap((team, i) => (team.default ? [i] : []));
  for (const i of defaults.slice(1)) ctx.addIssue({ code: 'custom', path: ['teams', i, 'default'], message: 'only one team can be the default' });
  file.rules.forEach((rule, i) => {
    if (rule.then.team && !names.has(rule.then.team)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'then', 'team'], message: `no team is named ${rule.then.team}` });
  });
});

/** Where switchboard.yml is looked for: SWITCHBOARD_CONFIG, else beside the data directory. */
export function deskConfigPath(env: { SWITCHBOARD_CONFIG?: string | undefined }, dataDir: string): { path: string; required: boolean } {
  const configured = env.SWITCHBOARD_CONFIG?.trim();
  if (configured) return { path: configured, required: true };
  return { path: path.join(path.dirname(path.resolve(dataDir)), 'switchboard.yml'), required: false };
}

/** What the file configures: teams and rules, and what customers hear from Switchboard itself. */
export interface DeskConfig {
  routing: Routing;
  /** Undefined without a `customer:` section: Switchboard says nothing by itself. */
  customer: CustomerSettings | undefined;
  /** Teams' own SLA targets and hours, and contact tags' targets (`sla:`). */
  sla: SlaScopes;
  /** Canned replies the file defines (`macros:`), stored at start-up; agents add more from Slack. */
  macros: MacroDefinition[];
  problems: ConfigProblem[];
}

/**
 * The routing a file describes, or the problems with it (each `file: path: message`). A
 * missing file is no routing, unless SWITCHBOARD_CONFIG named it. `triageChannel` is today's
 * default team: a team of the file with that channel is the default, else one named `triage`.
 */
export function loadDeskConfig(file: { path: string; required: boolean }, triageChannel: string | undefined): DeskConfig {
  const empty: Routing = { teams: [], defaultTeam: undefined, rules: [] };
  if (!existsSync(file.path)) {
    return { routing: withTriage(empty, triageChannel), customer: undefined, sla: NO_SLA_SCOPES, macros: [], problems: file.required ? [{ variable: 'SWITCHBOARD_CONFIG', message: `${file.path} does not exist` }] : [] };
  }
  const name = path.basename(file.path);
  return parseDeskConfig(readFileSync(file.path, 'utf8'), name, triageChannel);
}

/** Parses the file's text; `name` prefixes each problem. */
export function parseDeskConfig(source: string, name: string, triageChannel: string | undefined): DeskConfig {
  const empty: Routing = { teams: [], defaultTeam: undefined, rules: [] };
  const document = parseDocument(source, { prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      routing: empty,
      customer: undefined,
      sla: NO_SLA_SCOPES,
      macros: [],
      problems: document.errors.map((error) => ({ variable: `${name}${error.linePos ? ` line ${error.linePos[0].line}` : ''}`, message: error.message.split('\n')[0]! })),
    };
  }
  const parsed = fileSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    return { routing: empty, customer: undefined, sla: NO_SLA_SCOPES, macros: [], problems: parsed.error.issues.map((issue) => ({ variable: `${name}: ${pathText(issue.path)}`, message: issue.message })) };
  }
  const teams: Team[] = parsed.data.teams.map((t) => ({
    name: t.name,
    channel: t.channel,
    members: t.members,
    ...(t.usergroup ? { usergroup: t.usergroup } : {}),
    skills: t.skills,
    assignment: { strategy: t.assignment?.strategy ?? 'off', capacity: t.assignment?.capacity },
  }));
  const rules: Rule[] = parsed.data.rules.map((r) => ({
    name: r.name,
    when: {
      ...(r.when.channel ? { channels: [r.when.channel].flat() } : {}),
      ...(r.when.keywords ? { keywords: r.when.keywords } : {}),
      ...(r.when.regex ? { pattern: new RegExp(r.when.regex, 'iu') } : {}),
      ...(r.when.tag ? { contactTag: r.when.tag } : {}),
      ...(r.when.emailDomain ? { emailDomain: r.when.emailDomain } : {}),
      ...(r.when.custom ? { custom: r.when.custom } : {}),
      ...(r.when.hours ? { hours: r.when.hours } : {}),
    },
    then: r.then,
  }));
  const marked = parsed.data.teams.find((t) => t.default)?.name ?? teams.find((t) => t.channel === triageChannel)?.name;
  return {
    routing: withTriage({ teams, defaultTeam: marked, rules }, triageChannel),
    customer: parsed.data.customer ? customerSettings(parsed.data.customer) : undefined,
    sla: slaScopes(parsed.data),
    macros: macroDefinitions(parsed.data.macros),
    problems: [],
  };
}

/** The teams' and tags' own SLA; tags lower-cased, as contacts store them. */
function slaScopes(file: z.output<typeof fileSchema>): SlaScopes {
  const teams: SlaScopes['teams'] = Object.fromEntries(
    file.teams
      .filter((t) => t.sla !== undefined || t.businessHours !== undefined)
      .map((t) => [t.name, { ...(t.sla ? { targets: t.sla } : {}), ...(t.businessHours !== undefined ? { businessHours: t.businessHours as BusinessHours | null } : {}) }]),
  );
  const tags = Object.entries(file.sla?.tags ?? {}).map(([tag, targets]) => ({ tag: tag.toLowerCase(), targets }));
  return { teams, tags };
}

/** Without a default team of the file's, SLACK_TRIAGE_CHANNEL is one: `triage`. */
function withTriage(routing: Routing, triageChannel: string | undefined): Routing {
  if (routing.defaultTeam || !triageChannel) return { ...routing, defaultTeam: routing.defaultTeam ?? routing.teams[0]?.name };
  const triage: Team = { name: 'triage', channel: triageChannel, members: [], skills: [], assignment: { strategy: 'off', capacity: undefined } };
  return { ...routing, teams: [triage, ...routing.teams.filter((t) => t.name !== 'triage')], defaultTeam: 'triage' };
}

/** `teams[1].channel`, from zod's path. */
function pathText(parts: readonly PropertyKey[]): string {
  return parts.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('') || '(the file)';
}
