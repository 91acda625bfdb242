import { z } from 'zod';
import { channelSettings, type ChannelSettingsEntry } from './channels/registry.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { parseDuration } from './shared/duration.ts';
import { parseSlackConfig, type SlackSettings } from './slack/config.ts';
import { parseSlaPolicy, type SlaPolicy } from './sla/index.ts';

/**
 * The only reader of the environment. Parsed once at start-up; every problem is reported at
 * once, each naming its variable.
 */
export interface Config {
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: LogLevel;
  publicBaseUrl: string | undefined;
  reopenWindowMs: number;
  channels: ChannelSettingsEntry[];
  /** SLA targets, warning share, business hours and escalation ladder (SLA_* variables). */
  sla: SlaPolicy;
  /** The Slack workspace (SLACK_* variables): on, or off with what it lacks. */
  slack: SlackSettings;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Names of variables whose values are secrets: never logged, never echoed in errors. */
export const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'API_CHANNEL_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'TWILIO_AUTH_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'DISCORD_BOT_TOKEN',
  'EMAIL_PASSWORD',
]);

type Env = Readonly<Record<string, string | undefined>>;

export const blankIsUnset = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const duration = z.string().transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const schema = z.object({
  PORT: z.preprocess(blankIsUnset, z.coerce.number({ message: 'must be a port number' }).int('must be a whole number').min(0).max(65535, 'must be at most 65535').default(3000)),
  DATABASE_URL: z.preprocess(blankIsUnset, url(['postgres:', 'postgresql:']).optional()),
  DATA_DIR: z.preprocess(blankIsUnset, z.string().default('./.data')),
  LOG_LEVEL: z.preprocess(blankIsUnset, z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info')),
  PUBLIC_BASE_URL: z.preprocess(blankIsUnset, url(['http:', 'https:']).transform((v) => v.replace(/\/+$/, '')).optional()),
  REOPEN_WINDOW: z.preprocess(blankIsUnset, duration.default(parseDuration('7d'))),
});

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const problems: ConfigProblem[] = [];
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0]);
      problems.push({ variable, message: SECRET_VARIABLES.has(variable) ? issue.message : withValue(issue.message, env[variable]) });
    }
  }
  const channels = channelSettings(env);
  problems.push(...channels.problems);
  const sla = parseSlaPolicy(env);
  problems.push(...sla.problems);
  const slack = parseSlackConfig(env);
  problems.push(...slack.problems);
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const values = parsed.data;
  return {
    port: values.PORT,
    databaseUrl: values.DATABASE_URL,
    dataDir: values.DATA_DIR,
    logLevel: values.LOG_LEVEL,
    publicBaseUrl: values.PUBLIC_BASE_URL,
    reopenWindowMs: values.REOPEN_WINDOW,
    channels: channels.entries,
    sla: sla.policy,
    slack: slack.settings,
  };
}

function withValue(message: string, value: string | undefined): string {
  return value === undefined ? message : `${message} (got "${value}")`;
}
