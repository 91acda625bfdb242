/**
 * Shapes the Slack emulator stores and hands to tests. Message, file and view objects are
 * shaped as Slack answers them (the @slack/web-api response .d.ts files are the reference),
 * so a test asserts what an agent would see in the Slack client.
 */

export type Json = Record<string, unknown>;

/** A channel the workspace has. Channels are configured, never auto-created (see options). */
export interface ChannelConfig {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** When given, chat.postEphemeral to anyone else answers `user_not_in_channel`. */
  members?: string[];
}

export interface UserConfig {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  tz?: string;
}

/** A token bucket: `perSecond` refill, `burst` capacity. */
export interface RateRule {
  perSecond: number;
  burst: number;
}

export interface RateLimitOptions {
  /** chat.postMessage per channel. Slack: "1 per second, short bursts >1 allowed". Default 1. */
  postsPerSecond?: number;
  /** How many posts a quiet channel takes at once. Slack publishes no number; default 3. */
  burst?: number;
  /** Per-workspace limits for other methods, e.g. `{ 'chat.update': { perMinute: 50, burst: 10 } }` (Tier 3). */
  tiers?: Record<string, { perMinute: number; burst: number }>;
}

export interface SlackEmulatorOptions {
  /** Default: #triage (C0TRIAGE01) and #general (C0GENERAL1). */
  channels?: ChannelConfig[];
  /** Human users. Default: ada (U0AGENT001), grace (U0AGENT002), linus (U0MANAGER1). */
  users?: UserConfig[];
  team?: { id?: string; domain?: string; name?: string };
  /** `false` turns rate limiting off (benchmarks). Default: chat.postMessage 1/s per channel, burst 3. */
  rateLimits?: false | RateLimitOptions;
  /** Fixed delay added before every Web API answer. */
  latencyMs?: number;
  /** How long a trigger_id stays usable for views.open. Slack: 3 seconds. */
  triggerTtlMs?: number;
  /** The bot token's scopes. Default: every scope slack-manifest.yml asks for. */
  scopes?: string[];
}

export interface Channel {
  id: string;
  name: string;
  isPrivate: boolean;
  /** Set for a DM (an `im` channel, id D…): the human on the other side. */
  imUser?: string;
  members?: string[];
  created: number;
}

export interface SlackUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  deleted: boolean;
  is_bot: boolean;
  is_app_user: boolean;
  tz: string;
  profile: { real_name: string; display_name: string; email?: string; bot_id?: string; api_app_id?: string };
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

/** A file as it appears in a message's `files` (and in files.info). */
export interface SlackFile {
  id: string;
  created: number;
  timestamp: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  user: string;
  size: number;
  mode: 'hosted';
  is_external: false;
  is_public: boolean;
  url_private: string;
  url_private_download: string;
  permalink: string;
}

/** A message as conversations.history / conversations.replies would answer it. */
export interface SlackMessage {
  type: 'message';
  subtype?: string;
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  username?: string;
  icons?: { emoji?: string; image_64?: string };
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  files?: SlackFile[];
  upload?: boolean;
  reactions?: Reaction[];
  edited?: { user: string; ts: string };
  client_msg_id?: string;
}

/** An ephemeral message: only `user` saw it. */
export interface Ephemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  ts: string;
  /** Where it came from: the Web API, a response_url post, or the body of a command's ack. */
  source: 'chat.postEphemeral' | 'response_url' | 'command_response';
}

/** A modal or App Home view and who sees it. `view` is what views.* answer. */
export interface StoredView {
  user: string;
  open: boolean;
  /** The `errors` of the last `response_action: "errors"` the app answered a submission with. */
  errors?: Record<string, string>;
  view: Json & { id: string; type: string; hash: string };
}

/** One Web API call as the emulator received and answered it. */
export interface RecordedCall {
  method: string;
  args: Json;
  token: string | undefined;
  status: number;
  response: Json;
  /** When the request reached the emulator (epoch ms), before any of its own processing. */
  receivedAt: number;
  /** When the emulator answered (epoch ms). */
  at: number;
}

/** A 429 the emulator answered. */
export interface RateLimitHit {
  method: string;
  key: string;
  retryAfter: number;
  at: number;
}

/** What an app POSTed to a response_url we handed out. */
export interface ResponseUrlPost {
  url: string;
  origin: 'command' | 'block_actions' | 'view_submission';
  user: string;
  channel: string;
  body: Json;
  status: number;
}

/** An envelope the app acknowledged over Socket Mode. */
export interface SocketAck {
  envelope_id: string;
  type: string;
  payload?: Json;
  latencyMs: number;
}
