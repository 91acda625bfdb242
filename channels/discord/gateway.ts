/**
 * Holding the Discord gateway: the real discord.js Client, on the one instance the core lets
 * hold it. Events are handled one at a time, in order; each channel's last message id seen is
 * kept in the module's state, so on every (re)connect the messages sent while no one was
 * listening are fetched with GET /channels/{id}/messages?after= and none are missed (the sink
 * stores a message it already has once).
 */
import { DefaultRestOptions, DiscordAPIError, type RESTOptions, type ResponseLike } from '@discordjs/rest';
import {
  Client,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  Partials,
  SnowflakeUtil,
  type ButtonInteraction,
  type Message,
  type OmitPartialGroupDMChannel,
  type PartialMessage,
} from 'discord.js';
import type { ChannelDeps, InboundMessage, Sink } from '../../src/channels/contract.ts';
import type { DiscordConfig } from './config.ts';
import { discordConversation, downloadDiscordAttachments, parseDiscordEdit, parseDiscordMessage, parseDiscordPress, type DiscordScope } from './inbound.ts';
import type { DiscordMessageView } from './types.ts';

// Gateway close code for a token Discord refused (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
const AUTHENTICATION_FAILED = 4004;
const DISALLOWED_INTENTS = 4014;
// A catch-up page: Discord returns at most 100 messages a request.
const PAGE = 100;
// Channels quiet for longer than this are no longer caught up on reconnect (their tickets have
// long been resolved); a customer writing there again is seen live.
const CURSOR_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const CURSORS_KEY = 'cursors';

type AnyMessage = OmitPartialGroupDMChannel<Message> | Message;

/** The discord.js Client the adapter holds: the intents and partials DMs and the support channel need. */
export function createDiscordClient(config: DiscordConfig): Client {
  return new Client({
    // MessageContent is privileged: it must be switched on in the developer portal (README).
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
    // DM channels are never in the cache until used, and messages from before a restart are not
    // either: without these partials discord.js drops their events.
    partials: [Partials.Channel, Partials.Message],
    // Given explicitly so discord.js does not read SHARDS / SHARD_COUNT from the environment.
    shards: [0],
    shardCount: 1,
    rest: { api: config.apiUrl, version: '10', ...(config.gatewayUrl ? { makeRequest: withGatewayUrl(config.gatewayUrl) } : {}) },
  });
}

/** A REST transport whose GET /gateway/bot names our gateway URL (a proxy, an emulator). */
function withGatewayUrl(gatewayUrl: string): RESTOptions['makeRequest'] {
  return async (url, init) => {
    const response = await DefaultRestOptions.makeRequest(url, init);
    if (!response.ok || !new URL(url).pathname.endsWith('/gateway/bot')) return response;
    const body = (await response.json()) as Record<string, unknown>;
    return new Response(JSON.stringify({ ...body, url: gatewayUrl }), { status: response.status, headers: { 'content-type': 'application/json' } }) as unknown as ResponseLike;
  };
}

/** What discord.js gives, reduced to what parsing reads. */
export function discordMessageView(message: AnyMessage): DiscordMessageView {
  const channel = message.channel;
  const thread = !!message.guildId && channel.isThread();
  return {
    id: message.id,
    channelId: message.channelId,
    type: message.type,
    content: message.content ?? '',
    author: { id: message.author.id, bot: message.author.bot, username: message.author.username, globalName: message.author.globalName },
    memberName: message.member?.displayName,
    webhookId: message.webhookId,
    createdTimestamp: message.createdTimestamp,
    editedTimestamp: message.editedTimestamp,
    place: message.guildId ? { kind: 'guild', channelId: message.channelId, parentId: thread && channel.isThread() ? channel.parentId : null, thread } : { kind: 'dm' },
    attachments: [...message.attachments.values()].map((a) => ({ id: a.id, name: a.name, url: a.url, size: a.size, contentType: a.contentType })),
    stickers: [...message.stickers.values()].map((s) => s.name),
  };
}

/** Holds the gateway until `signal` aborts; rejects (to be restarted) when the connection cannot go on. */
export async function holdDiscordGateway(config: DiscordConfig, deps: ChannelDeps, sink: Sink, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  const client = createDiscordClient(config);
  const scope: DiscordScope = { botId: undefined, supportChannelId: config.supportChannelId };
  let cursors: Record<string, string> = (await deps.state.get<Record<string, string>>(CURSORS_KEY)) ?? {};

  let fail!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  // One event at a time, in the order the gateway sent them; a failure ends the connection so
  // that the restart fetches again from the stored cursor.
  // Nothing runs after a failure: a later message of the same channel would move its cursor
  // past the one that failed.
  let chain: Promise<void> = Promise.resolve();
  let broken = false;
  const queue = (work: () => Promise<void>) => {
    chain = chain
      .then(() => (broken ? undefined : work()))
      .catch((error: unknown) => {
        broken = true;
        fail(error as Error);
      });
  };

  const advance = async (channelId: string, messageId: string) => {
    const known = cursors[channelId];
    if (known !== undefined && BigInt(known) >= BigInt(messageId)) return;
    cursors = prune({ ...cursors, [channelId]: messageId }, deps.now());
    await deps.state.set(CURSORS_KEY, cursors);
  };

  const ingest = async (message: AnyMessage) => {
    const view = discordMessageView(message);
    if (!discordConversation(view, config.supportChannelId)) return;
    const parsed = parseDiscordMessage(view, scope);
    if (parsed.kind === 'message') {
      const { files, ...rest } = parsed;
      const media = await downloadDiscordAttachments(files, deps.fetch);
      const notes = media.skipped.map((line) => `[${line}]`);
      const inbound: InboundMessage = { ...rest, text: [rest.text, ...notes].filter(Boolean).join('\n'), attachments: media.attachments };
      await sink.message(inbound);
    } else {
      deps.logger.debug({ channel: 'discord', message: view.id, reason: parsed.reason }, 'discord message ignored');
    }
    await advance(view.channelId, view.id);
  };

  const catchUp = async () => {
    if (config.supportChannelId && cursors[config.supportChannelId] === undefined) {
      // First connection: from now on, nothing before (history is not a queue of tickets).
      await advance(config.supportChannelId, SnowflakeUtil.generate({ timestamp: deps.now() }).toString());
    }
    // Threads under the support channel (GUILD_CREATE lists the active ones): one opened while
    // we were away is read from its start (a thread's id is that of the message it grew from).
    for (const channel of client.channels.cache.values()) {
      if (channel.isThread() && channel.parentId === config.supportChannelId && cursors[channel.id] === undefined) await advance(channel.id, channel.id);
    }
    for (const [channelId, after] of Object.entries(cursors)) await catchUpChannel(channelId, after);
  };

  const catchUpChannel = async (channelId: string, after: string) => {
    const channel = await client.channels.fetch(channelId).catch((error: unknown) => {
      // Gone or no longer visible to the bot: forgotten. Anything else (a network error, a 5xx)
      // ends the connection, to be tried again from the same cursor.
      if (!(error instanceof DiscordAPIError) || ![403, 404].includes(error.status)) throw error;
      deps.logger.warn({ channel: 'discord', discordChannel: channelId, err: error.message }, 'discord channel not readable; no longer caught up');
      return null;
    });
    if (!channel || !channel.isTextBased()) {
      const { [channelId]: _gone, ...rest } = cursors;
      cursors = rest;
      await deps.state.set(CURSORS_KEY, cursors);
      return;
    }
    let from = after;
    for (;;) {
      const page = await channel.messages.fetch({ after: from, limit: PAGE, cache: false });
      const messages = [...page.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      for (const message of messages) await ingest(message);
      if (messages.length < PAGE) return;
      from = messages.at(-1)!.id;
    }
  };

  client.on(Events.MessageCreate, (message) => queue(() => ingest(message)));
  client.on(Events.MessageUpdate, (old, message) =>
    queue(async () => {
      const full = message.partial ? await message.fetch() : message;
      const view = discordMessageView(full);
      if (!discordConversation(view, config.supportChannelId)) return;
      const event = parseDiscordEdit(view, scope, old.partial ? undefined : (old.content ?? undefined));
      if (event.kind === 'edit') await sink.edit(event);
    }),
  );
  client.on(Events.MessageDelete, (message: AnyMessage | PartialMessage) =>
    queue(async () => {
      if (message.author?.bot) return;
      await sink.deletion({ kind: 'deletion', channel: 'discord', externalId: message.id, at: new Date(deps.now()) });
    }),
  );
  // Not in the queue of messages: Discord waits three seconds for the answer to a press, which
  // a catch-up of many messages ahead of it could outlast. A press that fails is not retried by
  // Discord (the customer sees "This interaction failed" and can press again).
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isButton()) return;
    void answerPress(interaction, sink, deps).catch((error: unknown) => {
      deps.logger.error({ channel: 'discord', interaction: interaction.id, err: error }, 'discord button press not handled');
    });
  });
  client.on(Events.ThreadCreate, (thread) => {
    if (thread.parentId === config.supportChannelId) queue(() => advance(thread.id, thread.id));
  });
  const connected = (how: string) => {
    scope.botId = client.user?.id;
    deps.report({ state: 'connected', detail: `${how} as ${client.user?.tag ?? 'the bot'}` });
    queue(catchUp);
  };
  client.on(Events.ShardReady, () => connected('connected'));
  client.on(Events.ShardResume, () => connected('resumed'));
  client.on(Events.ShardReconnecting, () => deps.report({ state: 'reconnecting', reason: 'the Discord gateway connection dropped' }));
  client.on(Events.ShardDisconnect, (event) => {
    if (event.code === AUTHENTICATION_FAILED) {
      deps.report({ state: 'token-refused', reason: 'Discord refused the bot token (check DISCORD_BOT_TOKEN)' });
    } else if (event.code === DISALLOWED_INTENTS) {
      deps.report({ state: 'token-refused', reason: 'Discord refused the Message Content intent: switch it on under Bot → Privileged Gateway Intents' });
    }
    fail(new Error(`the Discord gateway closed the connection for good (code ${event.code})`));
  });
  client.on(Events.ShardError, (error) => deps.logger.warn({ channel: 'discord', err: error.message }, 'discord gateway error'));
  // An EventEmitter's 'error' with no listener would throw and take the process down.
  client.on(Events.Error, (error) => deps.logger.error({ channel: 'discord', err: error }, 'discord client error'));
  client.on(Events.Warn, (warning) => deps.logger.warn({ channel: 'discord', warning }, 'discord client warning'));

  const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    deps.report({ state: 'connecting' });
    await Promise.race([
      client.login(config.token).catch((error: unknown) => {
        if ((error as { code?: unknown }).code === DiscordjsErrorCodes.TokenInvalid) {
          deps.report({ state: 'token-refused', reason: 'Discord refused the bot token (check DISCORD_BOT_TOKEN)' });
        }
        throw error;
      }),
      failed,
      aborted,
    ]);
    await Promise.race([failed, aborted]);
  } finally {
    await client.destroy().catch(() => {});
    await chain.catch(() => {});
  }
}

/**
 * Records a press and answers it once committed: a taken score replaces the buttons with our
 * thanks (UPDATE_MESSAGE), anything else is acknowledged without a change (DEFERRED_UPDATE_MESSAGE).
 * https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction
 */
async function answerPress(interaction: ButtonInteraction, sink: Sink, deps: ChannelDeps): Promise<void> {
  const choice = parseDiscordPress({
    id: interaction.id,
    customId: interaction.customId,
    user: { id: interaction.user.id, bot: interaction.user.bot },
    channelId: interaction.channelId,
    locale: interaction.locale,
  });
  const result = choice.kind === 'choice' ? await sink.choice(choice) : undefined;
  if (result && result.outcome !== 'unknown') {
    const said = interaction.message.content;
    await interaction.update({ content: result.reply ? `${said}\n\n${result.reply}`.slice(0, 2000) : said, components: [] });
  } else {
    await interaction.deferUpdate();
  }
}

/** Drops channels whose last message is older than CURSOR_TTL_MS. */
function prune(cursors: Record<string, string>, nowMs: number): Record<string, string> {
  return Object.fromEntries(Object.entries(cursors).filter(([, id]) => nowMs - SnowflakeUtil.timestampFrom(id) < CURSOR_TTL_MS));
}
