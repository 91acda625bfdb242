/**
 * The Discord emulator's state: one guild with a support channel, users, DM channels, threads and
 * every channel's messages, with ids that are real snowflakes (discord.js reads their time).
 * Payloads are shaped as Discord sends them (discord-api-types is the reference).
 */
import type { APIAttachment, APIChannel, APIMessage, APIUser } from 'discord-api-types/v10';

const DISCORD_EPOCH = 1420070400000n;

export interface StoredFile {
  name: string;
  contentType: string;
  data: Uint8Array;
}

export interface EmulatedChannel {
  id: string;
  type: 0 | 1 | 11;
  name?: string;
  guildId?: string;
  parentId?: string;
  recipient?: APIUser;
  messages: APIMessage[];
}

export class DiscordWorld {
  readonly guildId: string;
  readonly supportChannelId: string;
  readonly otherChannelId: string;
  readonly bot: APIUser;
  readonly users = new Map<string, APIUser>();
  readonly channels = new Map<string, EmulatedChannel>();
  readonly files = new Map<string, StoredFile>();
  /** Threads GUILD_CREATE leaves out, as Discord leaves out archived ones. */
  readonly archived = new Set<string>();
  #last = 0n;

  constructor() {
    this.bot = { id: this.snowflake(), username: 'switchboard', discriminator: '0', global_name: 'Switchboard', avatar: null, bot: true };
    this.users.set(this.bot.id, this.bot);
    this.guildId = this.snowflake();
    this.supportChannelId = this.snowflake();
    this.otherChannelId = this.snowflake();
    this.channels.set(this.supportChannelId, { id: this.supportChannelId, type: 0, name: 'support', guildId: this.guildId, messages: [] });
    this.channels.set(this.otherChannelId, { id: this.otherChannelId, type: 0, name: 'general', guildId: this.guildId, messages: [] });
  }

  /** A new snowflake, strictly increasing (https://discord.com/developers/docs/reference#snowflakes). */
  snowflake(): string {
    let next = ((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | 1n;
    if (next <= this.#last) next = this.#last + 1n;
    this.#last = next;
    return next.toString();
  }

  user(input: { id?: string; username: string; globalName?: string; bot?: boolean }): APIUser {
    const user: APIUser = {
      id: input.id ?? this.snowflake(),
      username: input.username,
      discriminator: '0',
      global_name: input.globalName ?? null,
      avatar: null,
      ...(input.bot ? { bot: true } : {}),
    };
    this.users.set(user.id, user);
    return user;
  }

  /** The DM channel between the bot and `user`, opened on first use. */
  dmChannel(user: APIUser): EmulatedChannel {
    for (const channel of this.channels.values()) if (channel.type === 1 && channel.recipient?.id === user.id) return channel;
    const channel: EmulatedChannel = { id: this.snowflake(), type: 1, recipient: user, messages: [] };
    this.channels.set(channel.id, channel);
    return channel;
  }

  channelPayload(channel: EmulatedChannel): APIChannel {
    if (channel.type === 1) {
      return { id: channel.id, type: 1, recipients: [channel.recipient!], last_message_id: channel.messages.at(-1)?.id ?? null, flags: 0 } as unknown as APIChannel;
    }
    if (channel.type === 11) {
      return {
        id: channel.id,
        type: 11,
        guild_id: channel.guildId!,
        parent_id: channel.parentId!,
        name: channel.name!,
        owner_id: this.bot.id,
        message_count: channel.messages.length,
        member_count: 2,
        rate_limit_per_user: 0,
        flags: 0,
        thread_metadata: { archived: false, auto_archive_duration: 10080, archive_timestamp: new Date().toISOString(), locked: false },
        total_message_sent: channel.messages.length,
      } as unknown as APIChannel;
    }
    return {
      id: channel.id,
      type: 0,
      guild_id: channel.guildId!,
      name: channel.name!,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      parent_id: null,
      topic: null,
      last_message_id: channel.messages.at(-1)?.id ?? null,
      rate_limit_per_user: 0,
      flags: 0,
    } as unknown as APIChannel;
  }

  /** A message as Discord stores it; `baseUrl` is where attachments are downloaded from. */
  message(channel: EmulatedChannel, author: APIUser, content: string, files: StoredFile[], baseUrl: string): APIMessage {
    const id = this.snowflake();
    const attachments: APIAttachment[] = files.map((file) => {
      const attachmentId = this.snowflake();
      this.files.set(attachmentId, file);
      const url = `${baseUrl}/attachments/${channel.id}/${attachmentId}/${encodeURIComponent(file.name)}`;
      return { id: attachmentId, filename: file.name, size: file.data.byteLength, url, proxy_url: url, content_type: file.contentType };
    });
    const message: APIMessage = {
      id,
      channel_id: channel.id,
      author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments,
      embeds: [],
      pinned: false,
      type: 0,
      components: [],
    };
    channel.messages.push(message);
    return message;
  }

  /** The payload of a guild message event: the message with its guild and the author as a member. */
  eventPayload(message: APIMessage): Record<string, unknown> {
    const channel = this.channels.get(message.channel_id)!;
    if (!channel.guildId) return { ...message };
    return {
      ...message,
      guild_id: channel.guildId,
      member: { roles: [], joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, nick: null },
    };
  }

  guildPayload(): Record<string, unknown> {
    const channels = [...this.channels.values()].filter((c) => c.type === 0).map((c) => this.channelPayload(c));
    const threads = [...this.channels.values()].filter((c) => c.type === 11 && !this.archived.has(c.id)).map((c) => this.channelPayload(c));
    return {
      id: this.guildId,
      name: 'Emulated Guild',
      icon: null,
      owner_id: this.bot.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: this.guildId, name: '@everyone', color: 0, hoist: false, position: 0, permissions: '559623605571137', managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [],
      channels,
      threads,
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }
}
