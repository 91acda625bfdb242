/**
 * File upload v2, the three steps client.filesUploadV2 runs:
 *   1. files.getUploadURLExternal {filename, length} → {upload_url, file_id}
 *   2. POST the bytes to upload_url (the WebClient sends multipart/form-data)
 *   3. files.completeUploadExternal {files:[{id,title}], channel_id, thread_ts, initial_comment}
 * Step 3 shares the files into the channel (or thread) as one message with `files`; files.info
 * then says where (`shares`), the only way to learn that message's ts.
 * https://docs.slack.dev/messaging/working-with-files#uploading_files
 */
import { randomUUID } from 'node:crypto';
import { extname } from 'node:path';
import { fail, jsonArg, readBlocks, str, type Answer } from '../args.ts';
import { slackId } from '../ids.ts';
import { appendMessage, threadRoot } from '../messages.ts';
import { resolveChannel, type StoredFile, type Workspace } from '../workspace.ts';
import type { Json, SlackFile, SlackMessage } from '../types.ts';
import { botAuthor } from './chat.ts';

/** upload tokens handed out in step 1 → file id. */
export type UploadTokens = Map<string, string>;

export function getUploadURLExternal(ws: Workspace, args: Json, base: string, uploads: UploadTokens): Answer {
  const filename = str(args, 'filename');
  const length = Number(str(args, 'length'));
  if (!filename || !Number.isInteger(length) || length < 1) return fail('invalid_arguments');
  const id = slackId('F');
  const altText = str(args, 'alt_text');
  ws.files.set(id, {
    id,
    name: filename,
    title: filename,
    length,
    user: ws.app.botUserId,
    created: Math.floor(Date.now() / 1000),
    completed: false,
    ...(altText ? { altText } : {}),
  });
  const token = randomUUID();
  uploads.set(token, id);
  return { ok: true, upload_url: `${base}upload/v1/${token}`, file_id: id };
}

export function completeUploadExternal(ws: Workspace, args: Json, base: string): Answer {
  const list = jsonArg(args, 'files');
  if (list.invalid || !Array.isArray(list.value) || list.value.length === 0) return fail('invalid_arguments');
  const entries = list.value as { id?: string; title?: string }[];
  const files: StoredFile[] = [];
  for (const entry of entries) {
    const file = entry.id ? ws.files.get(entry.id) : undefined;
    if (!file?.bytes) return fail('file_not_found');
    files.push(file);
  }
  const channelRef = str(args, 'channel_id') ?? str(args, 'channels')?.split(',')[0];
  const channel = channelRef ? resolveChannel(ws, channelRef) : undefined;
  if (channelRef && !channel) return fail('channel_not_found');
  const threadTs = str(args, 'thread_ts');
  const root = channel && threadTs ? threadRoot(ws, channel.id, threadTs) : undefined;
  if (threadTs && !root) return fail('thread_not_found');
  const { blocks, error } = readBlocks(args);
  if (error) return error;
  for (const [i, file] of files.entries()) {
    file.title = entries[i]?.title ?? file.title;
    file.completed = true;
  }
  if (channel) {
    const comment = str(args, 'initial_comment');
    const message: SlackMessage = {
      ...botAuthor(ws),
      type: 'message',
      subtype: 'file_share',
      ts: ws.nextTs(),
      text: comment ?? '',
      // "If the initial_comment field is provided, the blocks field is ignored."
      ...(blocks && !comment ? { blocks } : {}),
      files: files.map((f) => fileObject(ws, f, base, !channel.isPrivate)),
      upload: true,
      ...(root ? { thread_ts: root.ts } : {}),
    };
    appendMessage(ws, channel.id, message);
  }
  return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
}

/**
 * files.info: the file and where it is shared, `shares.public|private[channel]` listing the
 * messages that carry it (`ts`, and `thread_ts` for a share in a thread).
 * https://docs.slack.dev/reference/methods/files.info
 */
export function filesInfo(ws: Workspace, args: Json, base: string): Answer {
  const file = ws.files.get(str(args, 'file') ?? '');
  if (!file?.completed) return fail('file_not_found');
  const shares: Record<'public' | 'private', Record<string, Json[]>> = { public: {}, private: {} };
  for (const [channelId, history] of ws.history) {
    const channel = ws.channels.get(channelId);
    if (!channel) continue;
    for (const message of history) {
      if (!message.files?.some((f) => f.id === file.id)) continue;
      const list = (shares[channel.isPrivate ? 'private' : 'public'][channelId] ??= []);
      list.push({
        ts: message.ts,
        channel_name: channel.name,
        team_id: ws.team.id,
        share_user_id: message.user ?? '',
        source: 'UNKNOWN',
        ...(message.thread_ts && message.thread_ts !== message.ts ? { thread_ts: message.thread_ts } : {}),
        ...(message.reply_count ? { reply_count: message.reply_count, latest_reply: message.latest_reply } : {}),
      });
    }
  }
  const present = Object.fromEntries(Object.entries(shares).filter(([, byChannel]) => Object.keys(byChannel).length > 0));
  return { ok: true, file: { ...fileObject(ws, file, base), ...(Object.keys(present).length ? { shares: present } : {}) }, comments: [] };
}

/** A file as messages show it; url_private is served by this emulator, behind the bot token. */
export function fileObject(ws: Workspace, file: StoredFile, base: string, isPublic = true): SlackFile {
  const ext = extname(file.name).slice(1).toLowerCase();
  const path = `${ws.team.id}-${file.id}/${encodeURIComponent(file.name)}`;
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: MIME[ext] ?? 'application/octet-stream',
    filetype: ext || 'binary',
    user: file.user,
    size: file.bytes?.length ?? file.length,
    mode: 'hosted',
    is_external: false,
    is_public: isPublic,
    url_private: `${base}files-pri/${path}`,
    url_private_download: `${base}files-pri/${ws.team.id}-${file.id}/download/${encodeURIComponent(file.name)}`,
    permalink: `https://${ws.team.domain}.slack.com/files/${file.user}/${file.id}/${encodeURIComponent(file.name)}`,
  };
}

const MIME: Record<string, string> = {
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
};
