/**
 * A Discord emulator on 127.0.0.1 for the real discord.js: REST under `/api/v10` (what
 * DISCORD_API_URL points at is `url`, discord.js adds the version) and the gateway WebSocket at
 * `gatewayUrl`, which GET /gateway/bot names. REST answers carry Discord's X-RateLimit-* headers,
 * enforce a per-channel bucket for creating messages, and answer 429 with `retry_after` on
 * demand. It records what each channel received.
 *
 * REST: GET /gateway/bot, GET /users/@me, POST /users/@me/channels (open a DM),
 * GET /channels/:id, GET/POST /channels/:id/messages (`after`, `before`, `limit`; JSON or
 * multipart with files; button components), GET /channels/:id/messages/:id,
 * POST /channels/:id/messages/:id/threads, POST /interactions/:id/:token/callback (no bot
 * token, as Discord takes it), GET /attachments/… (downloads). A customer pressing a button is
 * an INTERACTION_CREATE dispatch, to be answered within three seconds.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIActionRowComponent, APIButtonComponentWithCustomId, APIMessage, APIUser } from 'discord-api-types/v10';
import { EmulatedGateway } from './gateway.ts';
import { DiscordWorld, type EmulatedChannel, type StoredFile } from './world.ts';

export interface SentDiscordMessage {
  channelId: string;
  content: string;
  files: StoredFile[];
  id: string;
}

export interface DiscordRequest {
  method: string;
  path: string;
  status: number;
}

/** How the bot answered a button press (the interaction callback). */
export interface InteractionResponse {
  interactionId: string;
  type: number;
  data?: Record<string, unknown>;
}

export interface DiscordEmulatorOptions {
  /** How long Discord waits for the answer to an interaction (3 s). */
  interactionDeadlineMs?: number;
  /** Creating messages per channel per window, as Discord's per-channel bucket (5 per 5 s). */
  messageBucket?: { limit: number; windowMs: number };
  heartbeatIntervalMs?: number;
  /** The gateway URL GET /gateway/bot names, when it should not be ours (to test DISCORD_GATEWAY_URL). */
  advertisedGatewayUrl?: string;
}

export interface DiscordEmulator {
  /** The REST root to give as DISCORD_API_URL. */
  url: string;
  gatewayUrl: string;
  token: string;
  world: DiscordWorld;
  gateway: EmulatedGateway;
  readonly bot: APIUser;
  readonly supportChannelId: string;
  readonly otherChannelId: string;
  customer(username: string, globalName?: string): APIUser;
  /** A user's DM channel with the bot. */
  dm(user: APIUser): string;
  /** The user writes in a channel; the gateway dispatches MESSAGE_CREATE. */
  write(channelId: string, author: APIUser, content: string, files?: StoredFile[]): APIMessage;
  edit(channelId: string, messageId: string, content: string): void;
  remove(channelId: string, messageId: string): void;
  /** A dispatch of a kind the adapter does not handle (a reaction). */
  react(channelId: string, messageId: string, user: APIUser): void;
  /**
   * `user` presses the button labelled `label` on `message`: INTERACTION_CREATE is dispatched,
   * and the interaction's id returned. Throws when the message has no such button.
   */
  press(message: APIMessage, label: string, user: APIUser): string;
  /** The answers to presses, in order. */
  readonly interactionResponses: readonly InteractionResponse[];
  /** Everything posted in a channel, oldest first (customers' and the bot's). */
  messagesIn(channelId: string): APIMessage[];
  /** What the bot sent, oldest first. */
  readonly sent: readonly SentDiscordMessage[];
  readonly requests: readonly DiscordRequest[];
  /** Threads opened, by id (which is the id of the message they grew from). */
  thread(id: string): EmulatedChannel | undefined;
  /** The user closed their DMs: sending to them answers 403 with code 50007. */
  closeDms(user: APIUser): void;
  /** The next attachment download answers 500 (a CDN hiccup). */
  failNextDownload(): void;
  /** The next `count` message creations answer 429 with `retry_after` seconds. */
  rateLimitNext(retryAfterSeconds: number, count?: number): void;
  refuseToken(refuse: boolean): void;
  close(): Promise<void>;
}

/**
 * Button components as Discord validates them: up to five action rows of one to five buttons,
 * each with a label of at most 80 characters and a custom_id of 1–100; undefined when invalid.
 * https://discord.com/developers/docs/components/reference#button
 */
function buttonRows(value: unknown): APIMessage['components'] | undefined {
  if (!Array.isArray(value) || value.length > 5) return undefined;
  for (const row of value as { type?: unknown; components?: unknown }[]) {
    if (row?.type !== 1 || !Array.isArray(row.components) || row.components.length < 1 || row.components.length > 5) return undefined;
    for (const button of row.components as Record<string, unknown>[]) {
      const id = button.custom_id;
      if (button.type !== 2 || typeof id !== 'string' || id.length < 1 || id.length > 100 || (typeof button.label === 'string' && button.label.length > 80)) return undefined;
    }
  }
  return value as APIMessage['components'];
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}): Promise<DiscordEmulator> {
  const world = new DiscordWorld();
  const token = `emulated.${Math.random().toString(36).slice(2)}.token`;
  const bucket = options.messageBucket ?? { limit: 5, windowMs: 5_000 };
  const sent: SentDiscordMessage[] = [];
  const requests: DiscordRequest[] = [];
  const closedDms = new Set<string>();
  const windows = new Map<string, { resetAt: number; used: number }>();
  let forced429: { retryAfter: number; count: number } | undefined;
  let refused = false;
  let failDownload = false;
  let base = '';
  const deadlineMs = options.interactionDeadlineMs ?? 3_000;
  const interactions = new Map<string, { token: string; message: APIMessage; at: number; answered: boolean }>();
  const interactionResponses: InteractionResponse[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => json(res, 500, { message: String(error), code: 0 }));
  });
  const gateway = new EmulatedGateway({
    server,
    path: '/gateway',
    token: () => token,
    refused: () => refused,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000,
    resumeUrl: () => `${base.replace(/^http/, 'ws')}/gateway`,
    ready: () => ({
      v: 10,
      user: world.bot,
      guilds: [{ id: world.guildId, unavailable: true }],
      shard: [0, 1],
      application: { id: world.bot.id, flags: 0 },
      private_channels: [],
      relationships: [],
      user_settings: {},
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
    }),
    guild: () => world.guildPayload(),
  });

  // Gateway message events carry `channel_type` (discord.js builds an uncached DM channel from it).
  const dispatchMessage = (t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', message: APIMessage) =>
    gateway.dispatch(t, { ...world.eventPayload(message), channel_type: world.channels.get(message.channel_id)!.type });

  async function body(req: IncomingMessage): Promise<{ json: Record<string, any>; files: StoredFile[] }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const files: StoredFile[] = [];
      let payload: Record<string, any> = {};
      for (const [key, value] of form.entries()) {
        if (key === 'payload_json') payload = JSON.parse(String(value));
        else if (typeof value !== 'string') files.push({ name: value.name, contentType: value.type, data: new Uint8Array(await value.arrayBuffer()) });
      }
      return { json: payload, files };
    }
    return { json: raw.length ? JSON.parse(raw.toString('utf8')) : {}, files: [] };
  }

  /** Discord's per-route bucket headers (https://discord.com/developers/docs/topics/rate-limits#header-format). */
  function limitHeaders(key: string, limit: number, windowMs: number): { headers: Record<string, string>; exceeded: boolean } {
    const now = Date.now();
    let window = windows.get(key);
    if (!window || window.resetAt <= now) windows.set(key, (window = { resetAt: now + windowMs, used: 0 }));
    window.used += 1;
    const remaining = Math.max(0, limit - window.used);
    return {
      exceeded: window.used > limit,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-reset': String(window.resetAt / 1000),
        'x-ratelimit-reset-after': String(Math.max(0, window.resetAt - now) / 1000),
        'x-ratelimit-bucket': `bucket-${key.replace(/[^a-z0-9]/gi, '')}`,
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const method = req.method ?? 'GET';
    const record = (status: number) => requests.push({ method, path: url.pathname, status });
    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      record(status);
      json(res, status, payload, headers);
    };
    const attachment = /^\/attachments\/(\d+)\/(\d+)\/[^/]+$/.exec(url.pathname);
    if (method === 'GET' && attachment) {
      if (failDownload) {
        failDownload = false;
        return answer(500, { message: 'Internal Server Error', code: 0 });
      }
      const file = world.files.get(attachment[2]!);
      record(file ? 200 : 404);
      if (!file) return void json(res, 404, { message: 'Not Found', code: 0 });
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.byteLength) });
      return void res.end(Buffer.from(file.data));
    }
    const route = /^\/api\/v10(\/.*)$/.exec(url.pathname)?.[1];
    if (!route) return answer(404, { message: '404: Not Found', code: 0 });
    // The interaction's token authorises its answer; no bot token is sent with it.
    const callback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(route);
    if (callback && method === 'POST') {
      const { json: input } = await body(req);
      const outcome = respond(callback[1]!, callback[2]!, input);
      if (outcome.status !== 204) return answer(outcome.status, outcome.body);
      record(204);
      res.writeHead(204);
      return void res.end();
    }
    if (refused || req.headers.authorization !== `Bot ${token}`) return answer(401, { message: '401: Unauthorized', code: 0 });

    if (method === 'GET' && route === '/gateway/bot') {
      return answer(200, {
        url: options.advertisedGatewayUrl ?? `${base.replace(/^http/, 'ws')}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      });
    }
    if (method === 'GET' && route === '/users/@me') return answer(200, world.bot);
    if (method === 'POST' && route === '/users/@me/channels') {
      const { json: input } = await body(req);
      const user = world.users.get(String(input.recipient_id));
      if (!user) return answer(400, { message: 'Invalid Form Body', code: 50035 });
      return answer(200, world.channelPayload(world.dmChannel(user)));
    }
    const channelRoute = /^\/channels\/(\d+)(\/messages(?:\/(\d+)(\/threads)?)?)?$/.exec(route);
    if (!channelRoute) return answer(404, { message: '404: Not Found', code: 0 });
    const [, channelId, messagesPart, messageId, threadsPart] = channelRoute;
    const channel = world.channels.get(channelId!);
    if (!channel) return answer(404, { message: 'Unknown Channel', code: 10003 });

    if (!messagesPart && method === 'GET') return answer(200, world.channelPayload(channel));
    if (messageId && !threadsPart && method === 'GET') {
      const found = channel.messages.find((m) => m.id === messageId);
      return found ? answer(200, world.eventPayload(found)) : answer(404, { message: 'Unknown Message', code: 10008 });
    }
    if (messagesPart && !messageId && method === 'GET') {
      const limit = Math.min(100, Number(url.searchParams.get('limit') ?? '50'));
      const after = url.searchParams.get('after');
      const before = url.searchParams.get('before');
      let list = channel.messages;
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after)).slice(0, limit);
      else if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before)).slice(-limit);
      else list = list.slice(-limit);
      // Discord answers newest first, whichever direction was asked for.
      return answer(200, [...list].reverse().map((m) => world.eventPayload(m)));
    }
    if (messagesPart && !messageId && method === 'POST') {
      const limits = limitHeaders(`messages-${channel.id}`, bucket.limit, bucket.windowMs);
      const { json: input, files } = await body(req);
      if (forced429 && forced429.count > 0) {
        forced429.count -= 1;
        const headers = { ...limits.headers, 'x-ratelimit-remaining': '0', 'retry-after': String(Math.ceil(forced429.retryAfter)), 'x-ratelimit-scope': 'user', 'x-ratelimit-reset-after': String(forced429.retryAfter) };
        return answer(429, { message: 'You are being rate limited.', retry_after: forced429.retryAfter, global: false }, headers);
      }
      if (limits.exceeded) {
        const after = Number(limits.headers['x-ratelimit-reset-after']);
        return answer(429, { message: 'You are being rate limited.', retry_after: after, global: false }, { ...limits.headers, 'retry-after': String(Math.ceil(after)), 'x-ratelimit-scope': 'user' });
      }
      if (channel.type === 1 && closedDms.has(channel.recipient!.id)) return answer(403, { message: 'Cannot send messages to this user', code: 50007 }, limits.headers);
      if (!input.content && !files.length) return answer(400, { message: 'Cannot send an empty message', code: 50006 }, limits.headers);
      const components = input.components === undefined ? [] : buttonRows(input.components);
      if (!components) return answer(400, { message: 'Invalid Form Body', code: 50035 }, limits.headers);
      const message = world.message(channel, world.bot, String(input.content ?? ''), files, base);
      message.components = components;
      sent.push({ channelId: channel.id, content: message.content, files, id: message.id });
      dispatchMessage('MESSAGE_CREATE', message);
      return answer(200, world.eventPayload(message), limits.headers);
    }
    if (messageId && threadsPart && method === 'POST') {
      const { json: input } = await body(req);
      const parent = channel.messages.find((m) => m.id === messageId);
      if (!parent) return answer(404, { message: 'Unknown Message', code: 10008 });
      if (world.channels.has(messageId!)) return answer(400, { message: 'A thread has already been created for this message', code: 160004 });
      // A thread started from a message takes the message's id.
      const thread: EmulatedChannel = { id: messageId!, type: 11, name: String(input.name), guildId: channel.guildId!, parentId: channel.id, messages: [] };
      world.channels.set(thread.id, thread);
      const payload = world.channelPayload(thread);
      gateway.dispatch('THREAD_CREATE', { ...payload, newly_created: true });
      return answer(201, payload);
    }
    return answer(405, { message: '405: Method Not Allowed', code: 0 });
  }

  /**
   * An interaction callback (https://discord.com/developers/docs/interactions/receiving-and-responding#create-interaction-response):
   * once per interaction, within the deadline. 4 posts a message (flags 64: only the presser
   * sees it), 6 acknowledges, 7 edits the pressed message.
   */
  function respond(id: string, interactionToken: string, input: Record<string, any>): { status: number; body?: unknown } {
    const interaction = interactions.get(id);
    if (!interaction || interaction.token !== interactionToken || Date.now() - interaction.at > deadlineMs) return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
    if (interaction.answered) return { status: 400, body: { message: 'Interaction has already been acknowledged.', code: 40060 } };
    const type = Number(input.type);
    const data = input.data as Record<string, any> | undefined;
    const message = interaction.message;
    const channel = world.channels.get(message.channel_id)!;
    if (type === 7) {
      const components = data?.components === undefined ? message.components : buttonRows(data.components);
      if (!components) return { status: 400, body: { message: 'Invalid Form Body', code: 50035 } };
      if (typeof data?.content === 'string') message.content = data.content;
      message.components = components;
      message.edited_timestamp = new Date().toISOString();
      dispatchMessage('MESSAGE_UPDATE', message);
    } else if (type === 4) {
      if (!(Number(data?.flags ?? 0) & 64)) dispatchMessage('MESSAGE_CREATE', world.message(channel, world.bot, String(data?.content ?? ''), [], base));
    } else if (type !== 5 && type !== 6) {
      return { status: 400, body: { message: 'Invalid Form Body', code: 50035 } };
    }
    interaction.answered = true;
    interactionResponses.push({ interactionId: id, type, ...(data ? { data } : {}) });
    return { status: 204 };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${base}/api`,
    gatewayUrl: `${base.replace(/^http/, 'ws')}/gateway`,
    token,
    world,
    gateway,
    bot: world.bot,
    supportChannelId: world.supportChannelId,
    otherChannelId: world.otherChannelId,
    customer: (username, globalName) => world.user({ username, ...(globalName ? { globalName } : {}) }),
    dm: (user) => world.dmChannel(user).id,
    write(channelId, author, content, files = []) {
      const message = world.message(world.channels.get(channelId)!, author, content, files, base);
      dispatchMessage('MESSAGE_CREATE', message);
      return message;
    },
    edit(channelId, messageId, content) {
      const message = world.channels.get(channelId)!.messages.find((m) => m.id === messageId)!;
      message.content = content;
      message.edited_timestamp = new Date().toISOString();
      dispatchMessage('MESSAGE_UPDATE', message);
    },
    remove(channelId, messageId) {
      const channel = world.channels.get(channelId)!;
      channel.messages = channel.messages.filter((m) => m.id !== messageId);
      gateway.dispatch('MESSAGE_DELETE', { id: messageId, channel_id: channelId, ...(channel.guildId ? { guild_id: channel.guildId } : {}) });
    },
    react(channelId, messageId, user) {
      const channel = world.channels.get(channelId)!;
      gateway.dispatch('MESSAGE_REACTION_ADD', {
        user_id: user.id,
        channel_id: channelId,
        message_id: messageId,
        ...(channel.guildId ? { guild_id: channel.guildId } : {}),
        emoji: { id: null, name: '👍' },
        burst: false,
        type: 0,
      });
    },
    press(message, label, user) {
      const button = (message.components ?? []).flatMap((row) => (row as APIActionRowComponent<APIButtonComponentWithCustomId>).components).find((b) => b.label === label);
      if (!button) throw new Error(`message ${message.id} has no button labelled ${label}`);
      const channel = world.channels.get(message.channel_id)!;
      const id = world.snowflake();
      const interactionToken = `interaction.${Math.random().toString(36).slice(2)}`;
      interactions.set(id, { token: interactionToken, message, at: Date.now(), answered: false });
      const dm = channel.type === 1;
      gateway.dispatch('INTERACTION_CREATE', {
        id,
        application_id: world.bot.id,
        type: 3,
        data: { custom_id: button.custom_id, component_type: 2 },
        channel: world.channelPayload(channel),
        channel_id: channel.id,
        ...(dm ? { user } : { guild_id: channel.guildId, guild_locale: 'en-US', member: { user, roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, permissions: '2248473465835073' } }),
        token: interactionToken,
        version: 1,
        message: world.eventPayload(message),
        locale: (user as APIUser & { locale?: string }).locale ?? 'en-US',
        app_permissions: '2248473465835073',
        entitlements: [],
        authorizing_integration_owners: { '1': user.id },
        context: dm ? 1 : 0,
        attachment_size_limit: 10_485_760,
      });
      return id;
    },
    get interactionResponses() {
      return interactionResponses;
    },
    messagesIn: (channelId) => world.channels.get(channelId)?.messages ?? [],
    get sent() {
      return sent;
    },
    get requests() {
      return requests;
    },
    thread: (id) => {
      const channel = world.channels.get(id);
      return channel?.type === 11 ? channel : undefined;
    },
    closeDms: (user) => void closedDms.add(user.id),
    failNextDownload() {
      failDownload = true;
    },
    rateLimitNext(retryAfter, count = 1) {
      forced429 = { retryAfter, count };
    },
    refuseToken(refuse) {
      refused = refuse;
      if (refuse) gateway.refuse();
    },
    async close() {
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
