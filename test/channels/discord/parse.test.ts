import { describe, expect, it } from 'vitest';
import { parseDiscordSettings } from '../../../channels/discord/config.ts';
import { discordConversation, parseDiscordEdit, parseDiscordMessage, parseDiscordPress } from '../../../channels/discord/inbound.ts';
import type { DiscordMessageView } from '../../../channels/discord/types.ts';
import { EnvReader } from '../../../src/shared/env.ts';

const SUPPORT = '1300000000000000001';
const BOT = '1300000000000000002';
const scope = { botId: BOT, supportChannelId: SUPPORT };

function message(overrides: Partial<DiscordMessageView> = {}): DiscordMessageView {
  return {
    id: '1300000000000000100',
    channelId: '1300000000000000050',
    type: 0,
    content: 'hello',
    author: { id: '1300000000000000009', bot: false, username: 'ana_k', globalName: 'Ana K' },
    webhookId: null,
    createdTimestamp: 1_760_000_000_000,
    editedTimestamp: null,
    place: { kind: 'dm' },
    attachments: [],
    stickers: [],
    ...overrides,
  };
}

describe('Discord settings', () => {
  it('is off, naming the token, without DISCORD_BOT_TOKEN', () => {
    expect(parseDiscordSettings(new EnvReader({}))).toEqual({ enabled: false, missing: ['DISCORD_BOT_TOKEN'] });
  });

  it('is on with the token alone, against discord.com', () => {
    expect(parseDiscordSettings(new EnvReader({ DISCORD_BOT_TOKEN: 'abc.def.ghi' }))).toEqual({ enabled: true, config: { token: 'abc.def.ghi', apiUrl: 'https://discord.com/api' } });
  });

  it('reads the support channel and the overrides, and names each bad variable', () => {
    const good = parseDiscordSettings(
      new EnvReader({ DISCORD_BOT_TOKEN: 't', DISCORD_SUPPORT_CHANNEL_ID: SUPPORT, DISCORD_API_URL: 'http://127.0.0.1:9/api/', DISCORD_GATEWAY_URL: 'ws://127.0.0.1:9/gateway' }),
    );
    expect(good).toEqual({ enabled: true, config: { token: 't', supportChannelId: SUPPORT, apiUrl: 'http://127.0.0.1:9/api', gatewayUrl: 'ws://127.0.0.1:9/gateway' } });
    const reader = new EnvReader({ DISCORD_BOT_TOKEN: 't', DISCORD_SUPPORT_CHANNEL_ID: '#support', DISCORD_GATEWAY_URL: 'http://x' });
    expect(parseDiscordSettings(reader).enabled).toBe(false);
    expect(reader.problems.map((p) => p.variable)).toEqual(['DISCORD_SUPPORT_CHANNEL_ID', 'DISCORD_GATEWAY_URL']);
  });
});

describe('Discord messages', () => {
  it('takes a DM as the conversation of its channel, from the author id', () => {
    expect(parseDiscordMessage(message(), scope)).toMatchObject({ kind: 'message', channel: 'discord', externalId: '1300000000000000100', from: '1300000000000000009', name: 'Ana K', conversation: '1300000000000000050', text: 'hello' });
  });

  it('keys a support-channel message by itself and a thread under it by the thread; ignores other channels', () => {
    const inSupport = message({ channelId: SUPPORT, place: { kind: 'guild', channelId: SUPPORT, parentId: null, thread: false }, memberName: 'Ana (Nick)' });
    expect(parseDiscordMessage(inSupport, scope)).toMatchObject({ conversation: inSupport.id, name: 'Ana (Nick)' });
    const thread = '1300000000000000077';
    expect(discordConversation(message({ channelId: thread, place: { kind: 'guild', channelId: thread, parentId: SUPPORT, thread: true } }), SUPPORT)).toBe(thread);
    expect(discordConversation(message({ place: { kind: 'guild', channelId: '1300000000000000060', parentId: null, thread: false } }), SUPPORT)).toBeUndefined();
    expect(discordConversation(inSupport, undefined)).toBeUndefined();
  });

  it("ignores the bot's own messages, other bots, webhooks and system messages", () => {
    expect(parseDiscordMessage(message({ author: { id: BOT, bot: true, username: 'us', globalName: null } }), scope).kind).toBe('unsupported');
    expect(parseDiscordMessage(message({ author: { id: '1300000000000000003', bot: true, username: 'other', globalName: null } }), scope).kind).toBe('unsupported');
    expect(parseDiscordMessage(message({ webhookId: '1300000000000000004' }), scope).kind).toBe('unsupported');
    expect(parseDiscordMessage(message({ type: 7 }), scope).kind).toBe('unsupported');
    expect(parseDiscordMessage(message({ type: 19 }), scope).kind).toBe('message');
  });

  it('reads an edit with its timestamp as the revision, and skips updates that are not edits', () => {
    expect(parseDiscordEdit(message({ content: 'new', editedTimestamp: 1_760_000_100_000 }), scope, 'old')).toMatchObject({ kind: 'edit', text: 'new', revision: '1760000100000' });
    expect(parseDiscordEdit(message({ editedTimestamp: null }), scope).kind).toBe('unsupported');
    expect(parseDiscordEdit(message({ content: 'same', editedTimestamp: 1 }), scope, 'same').kind).toBe('unsupported');
  });
});

describe('a button press (an interaction)', () => {
  const press = { id: '1300000000000000300', customId: 'csat:9:4', user: { id: '1300000000000000200', bot: false }, channelId: '1300000000000000050', locale: 'de' };

  it('is a choice by the presser, in the conversation of the pressed message, in their client language', () => {
    expect(parseDiscordPress(press)).toEqual({
      kind: 'choice',
      channel: 'discord',
      externalId: 'interaction:1300000000000000300',
      from: '1300000000000000200',
      conversation: '1300000000000000050',
      value: 'csat:9:4',
      language: 'de',
    });
  });

  it("is nobody's choice when a bot pressed", () => {
    expect(parseDiscordPress({ ...press, user: { ...press.user, bot: true } }).kind).toBe('unsupported');
  });
});
