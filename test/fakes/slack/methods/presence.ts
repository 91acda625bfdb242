/**
 * Whether a person is around: users.getPresence (users:read) and dnd.info (dnd:read), asked
 * about someone else with the bot token, which is all Switchboard does. Field names as in
 * @slack/web-api's UsersGetPresenceResponse and DndInfoResponse.
 */
import { fail, str, type Answer } from '../args.ts';
import type { Workspace } from '../workspace.ts';
import type { Json } from '../types.ts';

/**
 * https://docs.slack.dev/reference/methods/users.getPresence — about another user only
 * `presence` ("active" or "away"); online, auto_away, manual_away and connection_count are
 * the caller's own.
 */
export function usersGetPresence(ws: Workspace, args: Json): Answer {
  const user = str(args, 'user') ?? ws.app.botUserId;
  if (!ws.users.has(user)) return fail('user_not_found');
  return { ok: true, presence: ws.presence.get(user)?.presence ?? 'active' };
}

/**
 * https://docs.slack.dev/reference/methods/dnd.info — the user's Do Not Disturb schedule:
 * dnd_enabled and the next window's bounds (Unix seconds; the current window while in one).
 * "All of the snooze_* properties will only be visible if the user being queried is also the
 * current user", so a bot asking about an agent never sees them.
 */
export function dndInfo(ws: Workspace, args: Json): Answer {
  const user = str(args, 'user') ?? ws.app.botUserId;
  if (!ws.users.has(user)) return fail('user_not_found');
  const dnd = ws.presence.get(user)?.dnd;
  if (!dnd) return { ok: true, dnd_enabled: false, next_dnd_start_ts: 1, next_dnd_end_ts: 1 };
  return { ok: true, dnd_enabled: dnd.enabled, next_dnd_start_ts: dnd.startTs, next_dnd_end_ts: dnd.endTs };
}
