/**
 * Messages in channels and threads, kept the way Slack keeps them: a thread is a parent
 * message plus replies carrying its `thread_ts`; the parent counts its replies.
 * https://docs.slack.dev/messaging/#threading
 */
import type { Workspace } from './workspace.ts';
import type { SlackMessage } from './types.ts';

export function channelHistory(ws: Workspace, channel: string): SlackMessage[] {
  return ws.history.get(channel) ?? [];
}

export function findMessage(ws: Workspace, channel: string, ts: string): SlackMessage | undefined {
  return channelHistory(ws, channel).find((m) => m.ts === ts);
}

/** Top-level messages in order (broadcast replies included), as conversations.history shows them, oldest first. */
export function topLevel(ws: Workspace, channel: string): SlackMessage[] {
  return channelHistory(ws, channel).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === 'thread_broadcast');
}

/** The parent and its replies in order, as conversations.replies answers. */
export function threadOf(ws: Workspace, channel: string, ts: string): SlackMessage[] {
  return channelHistory(ws, channel).filter((m) => m.ts === ts || m.thread_ts === ts);
}

/**
 * The ts a reply should hang from. Slack threads are one level deep: naming a reply's ts
 * puts the new message in that reply's thread.
 */
export function threadRoot(ws: Workspace, channel: string, threadTs: string): SlackMessage | undefined {
  const target = findMessage(ws, channel, threadTs);
  if (!target) return undefined;
  if (target.thread_ts && target.thread_ts !== target.ts) return findMessage(ws, channel, target.thread_ts);
  return target;
}

/** Stores a message; for a reply, updates the parent's reply bookkeeping. */
export function appendMessage(ws: Workspace, channel: string, message: SlackMessage): SlackMessage {
  const history = ws.history.get(channel) ?? [];
  history.push(message);
  ws.history.set(channel, history);
  if (message.thread_ts && message.thread_ts !== message.ts) {
    const parent = findMessage(ws, channel, message.thread_ts);
    if (parent) {
      const replier = message.user ?? message.bot_id ?? '';
      const users = new Set(parent.reply_users ?? []);
      users.add(replier);
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      parent.reply_users = [...users];
      parent.reply_users_count = users.size;
      parent.latest_reply = message.ts;
      message.parent_user_id = parent.user ?? '';
    }
  }
  const target = ws.channels.get(channel);
  if (target && message.bot_id === ws.app.botId) ws.onBotMessage?.(target, message);
  return message;
}

/**
 * Deletes a message. A parent with replies stays as a tombstone ("This message was
 * deleted."), as Slack keeps the thread readable.
 */
export function deleteMessage(ws: Workspace, channel: string, ts: string): SlackMessage | undefined {
  const history = channelHistory(ws, channel);
  const index = history.findIndex((m) => m.ts === ts);
  if (index < 0) return undefined;
  const message = history[index]!;
  if (message.reply_count) {
    history[index] = {
      type: 'message',
      subtype: 'tombstone',
      ts: message.ts,
      thread_ts: message.ts,
      text: 'This message was deleted.',
      user: 'USLACKBOT',
      reply_count: message.reply_count,
      ...(message.reply_users ? { reply_users: message.reply_users } : {}),
      ...(message.latest_reply ? { latest_reply: message.latest_reply } : {}),
    };
    return message;
  }
  history.splice(index, 1);
  const parent = message.thread_ts && message.thread_ts !== ts ? findMessage(ws, channel, message.thread_ts) : undefined;
  if (parent?.reply_count) {
    parent.reply_count -= 1;
    const replies = threadOf(ws, channel, parent.ts).slice(1);
    const last = replies.at(-1);
    if (last) parent.latest_reply = last.ts;
  }
  return message;
}

export function addReaction(message: SlackMessage, name: string, user: string): boolean {
  const reactions = (message.reactions ??= []);
  const reaction = reactions.find((r) => r.name === name);
  if (reaction?.users.includes(user)) return false;
  if (reaction) {
    reaction.users.push(user);
    reaction.count += 1;
  } else {
    reactions.push({ name, users: [user], count: 1 });
  }
  return true;
}

export function removeReaction(message: SlackMessage, name: string, user: string): boolean {
  const reactions = message.reactions ?? [];
  const reaction = reactions.find((r) => r.name === name);
  if (!reaction?.users.includes(user)) return false;
  reaction.users = reaction.users.filter((u) => u !== user);
  reaction.count -= 1;
  message.reactions = reactions.filter((r) => r.count > 0);
  if (message.reactions.length === 0) delete message.reactions;
  return true;
}
