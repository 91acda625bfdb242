/**
 * The emulated workspace: its team, the app's identity, channels, users and everything
 * posted. Plain data plus lookups; the Web API methods and the inbound builders mutate it.
 */
import { createTsClock, hex, slackId } from './ids.ts';
import type {
  Channel,
  ChannelConfig,
  Ephemeral,
  Json,
  SlackEmulatorOptions,
  SlackMessage,
  SlackUser,
  StoredView,
  UserConfig,
} from './types.ts';

export interface StoredFile {
  id: string;
  name: string;
  title: string;
  length: number;
  altText?: string;
  bytes?: Buffer;
  user: string;
  created: number;
  /** Set once files.completeUploadExternal has run: the file's public face. */
  completed: boolean;
}

export interface Trigger {
  user: string;
  channel?: string;
  expiresAt: number;
  used: boolean;
}

export interface ResponseUrlGrant {
  origin: 'command' | 'block_actions' | 'view_submission';
  user: string;
  channel: string;
  /** For block_actions: the message holding the clicked element (replace_original targets it). */
  messageTs?: string;
  /** The clicked element was on an ephemeral message (the person's alone). */
  ephemeral?: boolean;
  expiresAt: number;
  uses: number;
}

export interface UserPresence {
  presence: 'active' | 'away';
  /** Their Do Not Disturb schedule: the current or next window, in Unix seconds. */
  dnd?: { enabled: boolean; startTs: number; endTs: number };
}

/** Every bot scope slack-manifest.yml asks for: the default grant. */
export const DEFAULT_SCOPES = [
  'channels:history',
  'chat:write',
  'chat:write.customize',
  'commands',
  'dnd:read',
  'files:read',
  'files:write',
  'groups:history',
  'reactions:write',
  'users:read',
];

export interface Workspace {
  team: { id: string; domain: string; name: string };
  app: { id: string; botUserId: string; botId: string; name: string };
  tokens: { bot: string; app: string; signingSecret: string; verification: string };
  channels: Map<string, Channel>;
  users: Map<string, SlackUser>;
  /** Every message of a channel, top level and replies, in ts order. */
  history: Map<string, SlackMessage[]>;
  ephemerals: Ephemeral[];
  views: Map<string, StoredView>;
  /** The options the app last loaded for an external_select (`viewId:actionId`): what the person can pick. */
  suggestions: Map<string, Json[]>;
  homes: Map<string, StoredView>;
  files: Map<string, StoredFile>;
  triggers: Map<string, Trigger>;
  responseUrls: Map<string, ResponseUrlGrant>;
  socketTickets: Map<string, number>;
  triggerTtlMs: number;
  /** The bot token's scopes: a method needing another answers `missing_scope`. */
  scopes: Set<string>;
  /** Presence and Do Not Disturb per user; absent: active, no DND. */
  presence: Map<string, UserPresence>;
  nextTs: () => string;
  /** Called for every message the app's bot posts (Slack sends those as events too). */
  onBotMessage?: (channel: Channel, message: SlackMessage) => void;
}

const DEFAULT_CHANNELS: ChannelConfig[] = [
  { id: 'C0TRIAGE01', name: 'triage' },
  { id: 'C0GENERAL1', name: 'general' },
];

const DEFAULT_USERS: UserConfig[] = [
  { id: 'U0AGENT001', name: 'ada', realName: 'Ada Lovelace' },
  { id: 'U0AGENT002', name: 'grace', realName: 'Grace Hopper' },
  { id: 'U0MANAGER1', name: 'linus', realName: 'Linus Manager' },
];

export function createWorkspace(options: SlackEmulatorOptions): Workspace {
  const team = {
    id: options.team?.id ?? 'T0SWITCHB1',
    domain: options.team?.domain ?? 'switchboard-test',
    name: options.team?.name ?? 'Switchboard Test',
  };
  const app = { id: slackId('A'), botUserId: slackId('U'), botId: slackId('B'), name: 'switchboard' };
  const created = Math.floor(Date.now() / 1000);
  const ws: Workspace = {
    team,
    app,
    tokens: {
      bot: `xoxb-${randomDigits(12)}-${randomDigits(13)}-${hex(12)}`,
      app: `xapp-1-${app.id}-${randomDigits(13)}-${hex(32)}`,
      signingSecret: hex(16),
      verification: hex(12),
    },
    channels: new Map(),
    users: new Map(),
    history: new Map(),
    ephemerals: [],
    views: new Map(),
    suggestions: new Map(),
    homes: new Map(),
    files: new Map(),
    triggers: new Map(),
    responseUrls: new Map(),
    socketTickets: new Map(),
    triggerTtlMs: options.triggerTtlMs ?? 3000,
    scopes: new Set(options.scopes ?? DEFAULT_SCOPES),
    presence: new Map(),
    nextTs: createTsClock(),
  };
  for (const channel of options.channels ?? DEFAULT_CHANNELS) addChannel(ws, channel, created);
  for (const user of options.users ?? DEFAULT_USERS) addUser(ws, user);
  ws.users.set(app.botUserId, {
    ...userRecord(ws, { id: app.botUserId, name: app.name, realName: 'Switchboard' }),
    is_bot: true,
    profile: { real_name: 'Switchboard', display_name: '', bot_id: app.botId, api_app_id: app.id },
  });
  return ws;
}

export function addChannel(ws: Workspace, config: ChannelConfig, created = Math.floor(Date.now() / 1000)): Channel {
  const channel: Channel = {
    id: config.id,
    name: config.name.replace(/^#/, ''),
    isPrivate: config.isPrivate ?? false,
    created,
    ...(config.members ? { members: [...config.members] } : {}),
  };
  ws.channels.set(channel.id, channel);
  ws.history.set(channel.id, ws.history.get(channel.id) ?? []);
  return channel;
}

export function addUser(ws: Workspace, config: UserConfig): SlackUser {
  const user = userRecord(ws, config);
  ws.users.set(user.id, user);
  return user;
}

function userRecord(ws: Workspace, config: UserConfig): SlackUser {
  const realName = config.realName ?? config.name;
  return {
    id: config.id,
    team_id: ws.team.id,
    name: config.name,
    real_name: realName,
    deleted: false,
    is_bot: false,
    is_app_user: false,
    tz: config.tz ?? 'Europe/London',
    profile: { real_name: realName, display_name: config.name, ...(config.email ? { email: config.email } : {}) },
  };
}

/**
 * What `channel` names, as chat.postMessage reads it: a channel id, a name with or without
 * `#`, or a user id, which means the app's DM with that user (answered with its D… id).
 * https://docs.slack.dev/reference/methods/chat.postMessage#channels
 */
export function resolveChannel(ws: Workspace, ref: string | undefined): Channel | undefined {
  if (!ref) return undefined;
  const byId = ws.channels.get(ref);
  if (byId) return byId;
  if (ws.users.has(ref) && ref !== ws.app.botUserId) return dmWith(ws, ref);
  const name = ref.replace(/^#/, '');
  return [...ws.channels.values()].find((c) => c.name === name && !c.imUser);
}

/** A channel a test names (id or name); throws on a typo rather than building a bad payload. */
export function channelOrThrow(ws: Workspace, ref: string): Channel {
  const channel = resolveChannel(ws, ref);
  if (!channel) throw new Error(`slack emulator: no channel ${ref}`);
  return channel;
}

/** The app's DM channel with a user, opened on first use as Slack does. */
export function dmWith(ws: Workspace, user: string): Channel {
  const existing = [...ws.channels.values()].find((c) => c.imUser === user);
  if (existing) return existing;
  return addChannelIm(ws, user);
}

function addChannelIm(ws: Workspace, user: string): Channel {
  const channel = addChannel(ws, { id: slackId('D'), name: user, isPrivate: true });
  channel.imUser = user;
  return channel;
}

/** `channel_type` as message events carry it. */
export function channelType(channel: Channel): 'im' | 'group' | 'channel' {
  if (channel.imUser) return 'im';
  return channel.isPrivate ? 'group' : 'channel';
}

function randomDigits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i += 1) out += Math.floor(Math.random() * 10);
  return out;
}
