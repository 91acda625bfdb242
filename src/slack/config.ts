import type { EnvReader } from '../shared/env.ts';

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
  /** Slack user ids who may make, list and revoke API tokens (SLACK_ADMINS). */
  admins: readonly string[];
}

/** On with its configuration, or off with the variables it lacks. */
export type SlackSettings = { enabled: true; config: SlackConfig } | { enabled: false; missing: string[] };

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

// Ids, not names: events name channels by id, and a thread is found by (channel id, ts).
// C… public, G… private (older), D… a DM. https://docs.slack.dev/reference/objects/conversation-object
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * Reads the SLACK_* variables. Slack is on when SLACK_BOT_TOKEN is set with either
 * SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode). Present but invalid
 * values are problems recorded on the reader, naming the variable, whether or not Slack ends
 * up on. Tokens and the secret are never quoted (src/config.ts SECRET_VARIABLES).
 */
export function parseSlackConfig(env: EnvReader): SlackSettings {
  // Token kinds: https://docs.slack.dev/authentication/tokens
  const botToken = env.text('SLACK_BOT_TOKEN');
  if (botToken && !botToken.startsWith('xoxb-')) env.problem('SLACK_BOT_TOKEN', 'must be a bot token starting with xoxb-');
  const appToken = env.text('SLACK_APP_TOKEN');
  if (appToken && !appToken.startsWith('xapp-')) env.problem('SLACK_APP_TOKEN', 'must be an app-level token starting with xapp- (with the connections:write scope)');
  const signingSecret = env.text('SLACK_SIGNING_SECRET');
  if (signingSecret && /\s/.test(signingSecret)) env.problem('SLACK_SIGNING_SECRET', 'must not contain spaces');

  const apiBase = env.url('SLACK_API_URL');
  const apiUrl = apiBase === undefined ? DEFAULT_SLACK_API_URL : `${apiBase}/`;

  const channel = (name: string) => {
    const id = env.text(name);
    if (id && !CHANNEL_ID.test(id)) env.problem(name, `must be a channel id like C0123456789, not a name (got "${id}"); find it in the channel's details`);
    return id;
  };
  const triageChannel = channel('SLACK_TRIAGE_CHANNEL');
  const escalationChannel = channel('SLACK_ESCALATION_CHANNEL');

  // Slack: "generally allows one message per second per channel". Only a proxy or an emulator
  // without that limit has a reason to change it. https://docs.slack.dev/apis/web-api/rate-limits
  const postsPerSecond = env.number('SLACK_POST_RATE', { fallback: 1, positive: true, what: 'a positive number of posts per second' });

  const notePrefix = env.text('SLACK_NOTE_PREFIX') ?? 'note:';

  // Comma-separated user ids (U…, or W… on Enterprise Grid): names change, ids do not.
  const admins = (env.text('SLACK_ADMINS') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  const notIds = admins.filter((id) => !USER_ID.test(id));
  if (notIds.length) env.problem('SLACK_ADMINS', `must be Slack user ids like U0123ABCD, separated by commas (not ${notIds.map((id) => `"${id}"`).join(', ')}); find one in a profile's "Copy member ID"`);

  if (!botToken || (!signingSecret && !appToken)) {
    const missing = [...(botToken ? [] : ['SLACK_BOT_TOKEN']), ...(signingSecret || appToken ? [] : ['SLACK_SIGNING_SECRET or SLACK_APP_TOKEN'])];
    return { enabled: false, missing };
  }
  return { enabled: true, config: { botToken, signingSecret, appToken, apiUrl, triageChannel, escalationChannel, notePrefix, postsPerSecond, admins } };
}
