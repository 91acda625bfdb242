import type { ConfigProblem } from '../errors.ts';

/** Everything the Slack workspace needs, parsed once at start-up from SLACK_* variables. */
export interface SlackConfig {
  botToken: string;
  /** HTTP mode: requests to /slack/events are verified with it. */
  signingSecret: string | undefined;
  /** Socket Mode (installs behind a firewall) when set. */
  appToken: string | undefined;
  /** The Web API base, ending in `/`: `https://slack.com/api/` unless pointed elsewhere. */
  apiUrl: string;
  /** Channel id where each new ticket's card is posted. */
  triageChannel: string | undefined;
  /** Channel id for escalations and SLA breaches. */
  escalationChannel: string | undefined;
  /** A thread reply starting with this stays an internal note (compared case-insensitively). */
  notePrefix: string;
  /** Posts per second per channel that every instance together keeps to (SLACK_POST_RATE). */
  postsPerSecond: number;
}

/** On with its configuration, or off with the variables it lacks. */
export type SlackSettings = { enabled: true; config: SlackConfig } | { enabled: false; missing: string[] };

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

// Ids, not names: events name channels by id, and a thread is found by (channel id, ts).
// C… public, G… private (older), D… a DM. https://docs.slack.dev/reference/objects/conversation-object
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

/**
 * Reads the SLACK_* variables. Slack is on when SLACK_BOT_TOKEN is set with either
 * SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode). Present but invalid
 * values are problems naming the variable, whether or not Slack ends up on.
 */
export function parseSlackConfig(env: Env): { settings: SlackSettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const value = (name: string) => {
    const text = env[name]?.trim();
    return text ? text : undefined;
  };
  const problem = (variable: string, message: string) => void problems.push({ variable, message });

  // Token kinds: https://docs.slack.dev/authentication/tokens
  const botToken = value('SLACK_BOT_TOKEN');
  if (botToken && !botToken.startsWith('xoxb-')) problem('SLACK_BOT_TOKEN', 'must be a bot token starting with xoxb-');
  const appToken = value('SLACK_APP_TOKEN');
  if (appToken && !appToken.startsWith('xapp-')) problem('SLACK_APP_TOKEN', 'must be an app-level token starting with xapp- (with the connections:write scope)');
  const signingSecret = value('SLACK_SIGNING_SECRET');
  if (signingSecret && /\s/.test(signingSecret)) problem('SLACK_SIGNING_SECRET', 'must not contain spaces');

  let apiUrl = DEFAULT_SLACK_API_URL;
  const apiText = value('SLACK_API_URL');
  if (apiText) {
    if (isHttpUrl(apiText)) apiUrl = apiText.endsWith('/') ? apiText : `${apiText}/`;
    else problem('SLACK_API_URL', `must be an http:// or https:// URL (got "${apiText}")`);
  }

  const channel = (name: string) => {
    const id = value(name);
    if (id && !CHANNEL_ID.test(id)) problem(name, `must be a channel id like C0123456789, not a name (got "${id}"); find it in the channel's details`);
    return id;
  };
  const triageChannel = channel('SLACK_TRIAGE_CHANNEL');
  const escalationChannel = channel('SLACK_ESCALATION_CHANNEL');

  // Slack: "generally allows one message per second per channel". Only a proxy or an emulator
  // without that limit has a reason to change it. https://docs.slack.dev/apis/web-api/rate-limits
  const rateText = value('SLACK_POST_RATE');
  const postsPerSecond = rateText === undefined ? 1 : Number(rateText);
  if (!(Number.isFinite(postsPerSecond) && postsPerSecond > 0)) problem('SLACK_POST_RATE', `"${rateText}" is not a positive number of posts per second`);

  const notePrefix = env.SLACK_NOTE_PREFIX === undefined || env.SLACK_NOTE_PREFIX.trim() === '' ? 'note:' : env.SLACK_NOTE_PREFIX.trim();

  if (!botToken || (!signingSecret && !appToken)) {
    const missing = [...(botToken ? [] : ['SLACK_BOT_TOKEN']), ...(signingSecret || appToken ? [] : ['SLACK_SIGNING_SECRET or SLACK_APP_TOKEN'])];
    return { settings: { enabled: false, missing }, problems };
  }
  return {
    settings: { enabled: true, config: { botToken, signingSecret, appToken, apiUrl, triageChannel, escalationChannel, notePrefix, postsPerSecond } },
    problems,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
