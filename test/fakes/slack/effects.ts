/**
 * What Slack does with an app's answers that are not Web API calls: a slash command's
 * acknowledgement body, a post to a response_url, a view_submission's response_action.
 * Shared by the HTTP and Socket Mode paths, which carry the same answers.
 */
import { jsonArg, readBlocks, str } from './args.ts';
import { botAuthor } from './methods/chat.ts';
import { appendMessage, deleteMessage, findMessage, threadRoot } from './messages.ts';
import type { ResponseUrlGrant, Workspace } from './workspace.ts';
import type { Ephemeral, Json } from './types.ts';

/**
 * A message sent back for a command or an action: ephemeral to the user unless
 * `response_type: "in_channel"`; for an action, `replace_original` / `delete_original`
 * act on the message that held the clicked element.
 * https://docs.slack.dev/interactivity/handling-user-interaction#message_responses
 */
export function applyMessageResponse(ws: Workspace, grant: Pick<ResponseUrlGrant, 'origin' | 'user' | 'channel' | 'messageTs' | 'ephemeral'>, body: Json, source: Ephemeral['source']): void {
  if (grant.ephemeral && grant.messageTs && (isTrue(body.replace_original) || isTrue(body.delete_original))) {
    applyToEphemeral(ws, grant, body);
    return;
  }
  const original = grant.messageTs ? findMessage(ws, grant.channel, grant.messageTs) : undefined;
  if (original && isTrue(body.delete_original)) {
    deleteMessage(ws, grant.channel, original.ts);
    return;
  }
  const text = str(body, 'text') ?? '';
  const { blocks } = readBlocks(body);
  if (original && isTrue(body.replace_original)) {
    original.text = text;
    if (blocks) original.blocks = blocks;
    else delete original.blocks;
    return;
  }
  const threadTs = str(body, 'thread_ts');
  if (body.response_type === 'in_channel') {
    const root = threadTs ? threadRoot(ws, grant.channel, threadTs) : undefined;
    appendMessage(ws, grant.channel, {
      ...botAuthor(ws),
      type: 'message',
      ts: ws.nextTs(),
      text,
      ...(blocks ? { blocks } : {}),
      ...(root ? { thread_ts: root.ts } : {}),
    });
    return;
  }
  ws.ephemerals.push({
    channel: grant.channel,
    user: grant.user,
    ts: ws.nextTs(),
    text,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    source,
  });
}

/**
 * replace_original / delete_original from an ephemeral message's element: they act on that
 * ephemeral, which stays the person's alone.
 */
function applyToEphemeral(ws: Workspace, grant: Pick<ResponseUrlGrant, 'user' | 'channel' | 'messageTs'>, body: Json): void {
  const index = ws.ephemerals.findIndex((e) => e.channel === grant.channel && e.ts === grant.messageTs && e.user === grant.user);
  if (index < 0) return;
  if (isTrue(body.delete_original)) {
    ws.ephemerals.splice(index, 1);
    return;
  }
  const original = ws.ephemerals[index]!;
  original.text = str(body, 'text') ?? '';
  const { blocks } = readBlocks(body);
  if (blocks) original.blocks = blocks;
  else delete original.blocks;
}

/**
 * The body an app acknowledged a slash command with: empty (nothing shown), plain text, or
 * a JSON message. Bolt writes `ack('text')` as a bare text body, `ack({…})` as JSON.
 */
export function commandAckBody(contentType: string | undefined, text: string): Json | undefined {
  if (!text.trim()) return undefined;
  if (/json/i.test(contentType ?? '')) {
    try {
      return JSON.parse(text) as Json;
    } catch {
      return { text };
    }
  }
  return { text };
}

/**
 * A view_submission answer: nothing closes the modal; `errors` keeps it open with field
 * errors; `update` replaces it; `clear` closes the whole stack; `push` is recorded as an
 * update of the top view (the emulator keeps one view per id).
 * https://docs.slack.dev/surfaces/modals#handling_submissions
 */
export function applyViewSubmissionResponse(ws: Workspace, viewId: string, body: Json | undefined): void {
  const stored = ws.views.get(viewId);
  if (!stored) return;
  const action = body?.response_action;
  if (action === 'errors') {
    stored.errors = (body?.errors as Record<string, string> | undefined) ?? {};
    return;
  }
  if ((action === 'update' || action === 'push') && body) {
    const view = jsonArg(body, 'view').value as Json | undefined;
    if (view) stored.view = { ...stored.view, ...view, id: stored.view.id, hash: stored.view.hash };
    delete stored.errors;
    return;
  }
  if (action === 'clear') {
    for (const other of ws.views.values()) if (other.user === stored.user) other.open = false;
  }
  stored.open = false;
  delete stored.errors;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
