import { parseApiTokenSettings } from './api-tokens/config.ts';
import type { ApiTokenSettings } from './api-tokens/index.ts';
import { channelSettings, type ChannelSettingsEntry } from './channels/registry.ts';
import type { CustomerSettings } from './customer/config.ts';
import { deskConfigPath, loadDeskConfig } from './desk-config.ts';
import { ConfigError } from './errors.ts';
import { parseEventWebhookConfig, type EventWebhookSettings } from './event-webhook/config.ts';
import { parseKnowledgeConfig, type KnowledgeConfig } from './knowledge/config.ts';
import type { MacroDefinition } from './macros/types.ts';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log.ts';
import { parseReportsConfig, type ReportsConfig } from './reports/config.ts';
import { parseDuration } from './shared/duration.ts';
import { EnvReader } from './shared/env.ts';
import { parseSlackConfig, type SlackSettings } from './slack/config.ts';
import { parseSlaPolicy } from './sla/policy.ts';
import type { SlaPolicy } from './sla/types.ts';
import type { SlaScopes } from './sla/scopes.ts';
import type { Routing } from './tickets/routing.ts';

/**
 * The only reader of the environment. Parsed once at start-up; every problem is reported at
 * once, each naming its variable. Frozen: nothing changes it after parsing.
 */
export interface Config {
  readonly port: number;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** LOG_FORMAT; unset: pretty on a terminal, JSON lines otherwise. */
  readonly logFormat: LogFormat | undefined;
  readonly publicBaseUrl: string | undefined;
  readonly reopenWindowMs: number;
  /** Each channel module's settings, by module name (data only: the registry holds the modules). */
  readonly channels: readonly ChannelSettingsEntry[];
  /** SLA targets, warning share, business hours and escalation ladder (SLA_* variables). */
  readonly sla: SlaPolicy;
  /** Teams' own SLA targets and business hours, and contact tags' targets (switchboard.yml). */
  readonly slaScopes: SlaScopes;
  /** The Slack workspace (SLACK_* variables): on, or off with what it lacks. */
  readonly slack: SlackSettings;
  /** Teams and routing rules (switchboard.yml); without a file, one team: SLACK_TRIAGE_CHANNEL's. */
  readonly routing: Routing;
  /** Reporting: time zone, weekly digest, dashboard links, metrics token. */
  readonly reports: ReportsConfig;
  /** What customers hear from Switchboard itself (switchboard.yml `customer:`); undefined: nothing. */
  readonly customer: CustomerSettings | undefined;
  /** The knowledge base: its Markdown folder and search language (KB_DIR, KB_LANGUAGE). */
  readonly knowledge: KnowledgeConfig;
  /** Canned replies of switchboard.yml (`macros:`), stored at start-up. */
  readonly macros: readonly MacroDefinition[];
  /** Where every event is POSTed, signed (EVENT_WEBHOOK_URL, EVENT_WEBHOOK_SECRET): on, or off. */
  readonly eventWebhook: EventWebhookSettings;
  /** Scoped API tokens' rate limit (API_RATE_LIMIT per second, API_RATE_BURST). */
  readonly apiTokens: ApiTokenSettings;
}

/** Names of variables whose values are secrets: never logged, never echoed in errors. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'DATABASE_URL',
  'API_CHANNEL_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'TWILIO_AUTH_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'DISCORD_BOT_TOKEN',
  'IMAP_PASSWORD',
  'SMTP_PASSWORD',
  'METRICS_TOKEN',
  'EVENT_WEBHOOK_SECRET',
]);

const DEFAULT_REOPEN_WINDOW_MS = parseDuration('7d');

/** Parses the environment through one reader; throws ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const reader = new EnvReader(env, SECRET_VARIABLES);
  const dataDir = reader.text('DATA_DIR') ?? './.data';
  const desk = loadDeskConfig(deskConfigPath({ SWITCHBOARD_CONFIG: reader.text('SWITCHBOARD_CONFIG') }, dataDir), reader.text('SLACK_TRIAGE_CHANNEL'));
  const core = {
    port: reader.number('PORT', { fallback: 3000, integer: true, min: 0, max: 65535, what: 'a port number' }),
    databaseUrl: reader.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir,
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: reader.text('LOG_FORMAT') === undefined ? undefined : reader.oneOf('LOG_FORMAT', LOG_FORMATS, 'json'),
    publicBaseUrl: reader.url('PUBLIC_BASE_URL'),
    reopenWindowMs: reader.duration('REOPEN_WINDOW', DEFAULT_REOPEN_WINDOW_MS),
    channels: deepFreeze(channelSettings(reader)),
    sla: parseSlaPolicy(reader),
    slaScopes: deepFreeze(desk.sla),
    slack: parseSlackConfig(reader),
    routing: deepFreeze(desk.routing),
    customer: deepFreeze(desk.customer),
    macros: deepFreeze(desk.macros),
    knowledge: deepFreeze(parseKnowledgeConfig(reader)),
    eventWebhook: deepFreeze(parseEventWebhookConfig(reader)),
    apiTokens: deepFreeze(parseApiTokenSettings(reader)),
  };
  const config: Config = { ...core, reports: deepFreeze(parseReportsConfig(reader, core.sla)) };
  const problems = [...reader.problems, ...desk.problems, ...linkProblems(config)];
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** Survey links need an address customers can open: a channel told to use them needs PUBLIC_BASE_URL. */
function linkProblems(config: Config): { variable: string; message: string }[] {
  if (config.publicBaseUrl) return [];
  return Object.entries(config.customer?.csat?.channels ?? {})
    .filter(([, setting]) => setting !== 'off' && setting.answer === 'links')
    .map(([channel]) => ({ variable: 'PUBLIC_BASE_URL', message: `switchboard.yml asks ${channel} customers to rate by link (customer.csat.channels.${channel}.answer: links), which needs this address` }));
}

/** Freezes a value and everything it holds, so parsed settings cannot change under the core. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
