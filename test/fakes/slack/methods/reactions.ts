/**
 * reactions.add / reactions.remove, as the bot user.
 * https://docs.slack.dev/reference/methods/reactions.add
 */
import { fail, str, type Answer } from '../args.ts';
import { addReaction, findMessage, removeReaction } from '../messages.ts';
import { resolveChannel, type Workspace } from '../workspace.ts';
import type { Json, SlackMessage } from '../types.ts';

export function add(ws: Workspace, args: Json): Answer {
  const target = locate(ws, args);
  if ('error' in target) return target.error;
  if (!addReaction(target.message, target.name, ws.app.botUserId)) return fail('already_reacted');
  return { ok: true };
}

export function remove(ws: Workspace, args: Json): Answer {
  const target = locate(ws, args);
  if ('error' in target) return target.error;
  if (!removeReaction(target.message, target.name, ws.app.botUserId)) return fail('no_reaction');
  return { ok: true };
}

function locate(ws: Workspace, args: Json): { message: SlackMessage; name: string } | { error: Answer } {
  const name = str(args, 'name') ?? '';
  const timestamp = str(args, 'timestamp');
  if (!timestamp || !str(args, 'channel')) return { error: fail('no_item_specified') };
  // Emoji names are given without colons ("eyes"); anything with spaces or colons is no emoji.
  if (!/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/.test(name)) return { error: fail('invalid_name') };
  const channel = resolveChannel(ws, str(args, 'channel'));
  if (!channel) return { error: fail('channel_not_found') };
  const message = findMessage(ws, channel.id, timestamp);
  if (!message) return { error: fail('message_not_found') };
  return { message, name };
}
