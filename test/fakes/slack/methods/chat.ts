/**
 * chat.* methods: what the bot posts, edits and deletes, stored as Slack stores it.
 * https://docs.slack.dev/reference/methods/chat.postMessage
 */
import { bool, fail, jsonArg, readBlocks, str, type Answer } from '../args.ts';
import { appendMessage, deleteMessage, findMessage, threadRoot } from '../messages.ts';
import { resolveChannel, type Workspace } from '../workspace.ts';
import type { Json, SlackMessage } from '../types.ts';

/** "Provide no more than 40,000 characters or risk truncation." (chat.postMessage, `text`) */
const MAX_TEXT = 40_000;

export function postMessage(ws: Workspace, args: Json): Answer {
  const channel = resolveChannel(ws, str(args, 'channel'));
  if (!channel) return fail('channel_not_found');
  const content = readContent(args);
  if ('error' in content) return content.error;
  let threadTs: string | undefined;
  const requested = str(args, 'thread_ts');
  if (requested) {
    const root = threadRoot(ws, channel.id, requested);
    if (!root) return fail('thread_not_found');
    threadTs = root.ts;
  }
  const ts = ws.nextTs();
  const message: SlackMessage = {
    ...botAuthor(ws),
    type: 'message',
    ts,
    ...content.value,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    // reply_broadcast: "visible to everyone in the channel or conversation" as well.
    ...(threadTs && bool(args, 'reply_broadcast') ? { subtype: 'thread_broadcast' } : {}),
    ...customAuthor(args),
  };
  appendMessage(ws, channel.id, message);
  return { ok: true, channel: channel.id, ts, message: structuredClone(message) };
}

export function update(ws: Workspace, args: Json): Answer {
  const channel = resolveChannel(ws, str(args, 'channel'));
  if (!channel) return fail('channel_not_found');
  const ts = str(args, 'ts') ?? '';
  const message = findMessage(ws, channel.id, ts);
  if (!message) return fail('message_not_found');
  if (message.bot_id !== ws.app.botId) return fail('cant_update_message');
  const content = readContent(args);
  if ('error' in content) return content.error;
  // "If you don't include this field, the message's previous blocks will be retained. To
  // remove previous blocks, include an empty array." (chat.update; same for attachments)
  message.text = content.value.text;
  const { blocks, attachments, metadata } = content.value;
  if (blocks?.length) message.blocks = blocks;
  else if (blocks) delete message.blocks;
  if (attachments?.length) message.attachments = attachments;
  else if (attachments) delete message.attachments;
  if (metadata !== undefined) message.metadata = metadata;
  message.edited = { user: ws.app.botUserId, ts: ws.nextTs() };
  return { ok: true, channel: channel.id, ts, text: message.text, message: structuredClone(message) };
}

export function remove(ws: Workspace, args: Json): Answer {
  const channel = resolveChannel(ws, str(args, 'channel'));
  if (!channel) return fail('channel_not_found');
  const ts = str(args, 'ts') ?? '';
  const message = findMessage(ws, channel.id, ts);
  if (!message) return fail('message_not_found');
  if (message.bot_id !== ws.app.botId) return fail('cant_delete_message');
  deleteMessage(ws, channel.id, ts);
  return { ok: true, channel: channel.id, ts };
}

/** Ephemeral messages are never stored in the channel; only `user` sees them. */
export function postEphemeral(ws: Workspace, args: Json): Answer {
  const channel = resolveChannel(ws, str(args, 'channel'));
  if (!channel) return fail('channel_not_found');
  const user = str(args, 'user') ?? '';
  if (!ws.users.has(user) || (channel.members && !channel.members.includes(user))) {
    return fail('user_not_in_channel');
  }
  const content = readContent(args);
  if ('error' in content) return content.error;
  const ts = ws.nextTs();
  const threadTs = str(args, 'thread_ts');
  ws.ephemerals.push({
    channel: channel.id,
    user,
    ts,
    text: content.value.text,
    ...(content.value.blocks ? { blocks: content.value.blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    source: 'chat.postEphemeral',
  });
  return { ok: true, message_ts: ts };
}

/** https://docs.slack.dev/reference/methods/chat.getPermalink */
export function getPermalink(ws: Workspace, args: Json): Answer {
  const channel = resolveChannel(ws, str(args, 'channel'));
  if (!channel) return fail('channel_not_found');
  const message = findMessage(ws, channel.id, str(args, 'message_ts') ?? '');
  if (!message) return fail('message_not_found');
  let permalink = `https://${ws.team.domain}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}`;
  if (message.thread_ts && message.thread_ts !== message.ts) {
    permalink += `?thread_ts=${message.thread_ts}&cid=${channel.id}`;
  }
  return { ok: true, channel: channel.id, permalink };
}

/** The author fields of a message the app's bot user posts. */
export function botAuthor(ws: Workspace): Pick<SlackMessage, 'user' | 'bot_id' | 'app_id' | 'team'> {
  return { user: ws.app.botUserId, bot_id: ws.app.botId, app_id: ws.app.id, team: ws.team.id };
}

/** `username` and `icon_*` (chat:write.customize): shown instead of the bot's own name and icon. */
function customAuthor(args: Json): Pick<SlackMessage, 'username' | 'icons'> {
  const username = str(args, 'username');
  const emoji = str(args, 'icon_emoji');
  const url = str(args, 'icon_url');
  return {
    ...(username ? { username } : {}),
    ...(emoji ? { icons: { emoji } } : url ? { icons: { image_64: url } } : {}),
  };
}

type Content = Pick<SlackMessage, 'text' | 'blocks' | 'attachments' | 'metadata'>;

/** text / blocks / attachments: at least one, blocks valid, text truncated at 40,000. */
function readContent(args: Json): { value: Content } | { error: Answer } {
  const text = str(args, 'text') ?? '';
  const { blocks, error } = readBlocks(args);
  if (error) return { error };
  const attachments = jsonArg(args, 'attachments');
  if (attachments.invalid) return { error: fail('invalid_attachments') };
  const hasAttachments = Array.isArray(attachments.value) && attachments.value.length > 0;
  if (!text && !blocks?.length && !hasAttachments) return { error: fail('no_text') };
  const metadata = jsonArg(args, 'metadata');
  if (metadata.invalid) return { error: fail('invalid_metadata_format') };
  return {
    value: {
      text: text.slice(0, MAX_TEXT),
      ...(blocks ? { blocks } : {}),
      ...(Array.isArray(attachments.value) ? { attachments: attachments.value } : {}),
      ...(metadata.value !== undefined ? { metadata: metadata.value } : {}),
    },
  };
}
