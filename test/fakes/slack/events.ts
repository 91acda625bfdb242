/**
 * People acting in Slack: an agent replies in a ticket's thread, edits or deletes a
 * message, drops a file, opens the App Home. Each action changes the workspace as Slack
 * would and returns the Events API event Slack would send about it, ready to be wrapped
 * with `eventCallback` and delivered over HTTP or Socket Mode.
 * https://docs.slack.dev/reference/events/message
 */
import { randomUUID } from 'node:crypto';
import { hex, slackId } from './ids.ts';
import { fileObject } from './methods/files.ts';
import { appendMessage, deleteMessage, findMessage, threadRoot } from './messages.ts';
import { channelOrThrow, channelType, dmWith, type Workspace } from './workspace.ts';
import type { Json, SlackMessage } from './types.ts';

export interface UserPost {
  user: string;
  channel: string;
  text: string;
  /** Reply in this thread. */
  thread_ts?: string;
}

export function userPosts(ws: Workspace, post: UserPost): { message: SlackMessage; event: Json } {
  const channel = channelOrThrow(ws, post.channel);
  const root = post.thread_ts ? threadRoot(ws, channel.id, post.thread_ts) : undefined;
  if (post.thread_ts && !root) throw new Error(`slack emulator: no thread ${post.thread_ts} in ${channel.id}`);
  const ts = ws.nextTs();
  const message = appendMessage(ws, channel.id, {
    type: 'message',
    ts,
    user: post.user,
    text: post.text,
    team: ws.team.id,
    client_msg_id: randomUUID(),
    blocks: [richText(post.text)],
    ...(root ? { thread_ts: root.ts } : {}),
  });
  return { message, event: { ...structuredClone(message), channel: channel.id, event_ts: ts, channel_type: channelType(channel) } };
}

/** The `message_changed` event; the stored message shows the new text and `edited`. */
export function userEdits(ws: Workspace, edit: { user: string; channel: string; ts: string; text: string }): Json {
  const channel = channelOrThrow(ws, edit.channel);
  const message = findMessage(ws, channel.id, edit.ts);
  if (!message) throw new Error(`slack emulator: no message ${edit.ts} in ${channel.id}`);
  const previous = structuredClone(message);
  const eventTs = ws.nextTs();
  message.text = edit.text;
  message.blocks = [richText(edit.text)];
  message.edited = { user: edit.user, ts: eventTs };
  return {
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: channel.id,
    channel_type: channelType(channel),
    ts: eventTs,
    event_ts: eventTs,
    message: structuredClone(message),
    previous_message: previous,
  };
}

/** The `message_deleted` event. */
export function userDeletes(ws: Workspace, target: { channel: string; ts: string }): Json {
  const channel = channelOrThrow(ws, target.channel);
  const previous = deleteMessage(ws, channel.id, target.ts);
  if (!previous) throw new Error(`slack emulator: no message ${target.ts} in ${channel.id}`);
  const eventTs = ws.nextTs();
  return {
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    channel: channel.id,
    channel_type: channelType(channel),
    ts: eventTs,
    deleted_ts: target.ts,
    event_ts: eventTs,
    previous_message: structuredClone(previous),
  };
}

export interface UserUpload {
  user: string;
  channel: string;
  thread_ts?: string;
  filename: string;
  content: Buffer | string;
  text?: string;
}

/** A file dropped into a channel or thread: a `file_share` message whose url_private serves the bytes. */
export function userUploads(ws: Workspace, base: string, upload: UserUpload): { message: SlackMessage; event: Json } {
  const channel = channelOrThrow(ws, upload.channel);
  const root = upload.thread_ts ? threadRoot(ws, channel.id, upload.thread_ts) : undefined;
  if (upload.thread_ts && !root) throw new Error(`slack emulator: no thread ${upload.thread_ts} in ${channel.id}`);
  const bytes = Buffer.from(upload.content);
  const file = {
    id: slackId('F'),
    name: upload.filename,
    title: upload.filename,
    length: bytes.length,
    bytes,
    user: upload.user,
    created: Math.floor(Date.now() / 1000),
    completed: true,
  };
  ws.files.set(file.id, file);
  const ts = ws.nextTs();
  const message = appendMessage(ws, channel.id, {
    type: 'message',
    subtype: 'file_share',
    ts,
    user: upload.user,
    text: upload.text ?? '',
    files: [fileObject(ws, file, base, !channel.isPrivate)],
    upload: false,
    ...(root ? { thread_ts: root.ts } : {}),
  });
  return { message, event: { ...structuredClone(message), channel: channel.id, event_ts: ts, channel_type: channelType(channel) } };
}

/** https://docs.slack.dev/reference/events/app_home_opened */
export function userOpensHome(ws: Workspace, user: string, tab: 'home' | 'messages' = 'home'): Json {
  const home = ws.homes.get(user);
  return {
    type: 'app_home_opened',
    user,
    channel: dmWith(ws, user).id,
    tab,
    event_ts: ws.nextTs(),
    ...(home && tab === 'home' ? { view: structuredClone(home.view) } : {}),
  };
}

/**
 * The outer envelope of every Events API delivery.
 * https://docs.slack.dev/apis/events-api/#callback-field
 */
export function eventCallback(ws: Workspace, event: Json): Json {
  const eventTs = typeof event.event_ts === 'string' ? Number(event.event_ts) : Date.now() / 1000;
  return {
    token: ws.tokens.verification,
    team_id: ws.team.id,
    context_team_id: ws.team.id,
    context_enterprise_id: null,
    api_app_id: ws.app.id,
    event,
    type: 'event_callback',
    event_id: slackId('Ev', 10),
    event_time: Math.floor(eventTs),
    authorizations: [{ enterprise_id: null, team_id: ws.team.id, user_id: ws.app.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify({ et: event.type, tid: ws.team.id, aid: ws.app.id })).toString('base64url')}`,
  };
}

/** Sent once when a Request URL is saved; the app must echo `challenge`. */
export function urlVerification(ws: Workspace): Json {
  return { token: ws.tokens.verification, challenge: hex(24), type: 'url_verification' };
}

/** The rich_text block Slack attaches to messages people type. */
function richText(text: string): Json {
  return {
    type: 'rich_text',
    block_id: hex(3),
    elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
  };
}
