/**
 * Who's who: auth.test, users.info, conversations.info, and apps.connections.open (the
 * Socket Mode handshake, answered with a one-time WebSocket URL on this emulator).
 */
import { randomUUID } from 'node:crypto';
import { fail, str, type Answer } from '../args.ts';
import type { Workspace } from '../workspace.ts';
import type { Json } from '../types.ts';

/** https://docs.slack.dev/reference/methods/auth.test */
export function authTest(ws: Workspace): Answer {
  return {
    ok: true,
    url: `https://${ws.team.domain}.slack.com/`,
    team: ws.team.name,
    user: ws.app.name,
    team_id: ws.team.id,
    user_id: ws.app.botUserId,
    bot_id: ws.app.botId,
    is_enterprise_install: false,
  };
}

/** https://docs.slack.dev/reference/methods/users.info */
export function usersInfo(ws: Workspace, args: Json): Answer {
  const user = ws.users.get(str(args, 'user') ?? '');
  if (!user) return fail('user_not_found');
  return { ok: true, user: structuredClone(user) };
}

/** https://docs.slack.dev/reference/methods/conversations.info */
export function conversationsInfo(ws: Workspace, args: Json): Answer {
  const ref = str(args, 'channel');
  const channel = ref && ws.channels.get(ref);
  if (!channel) return fail('channel_not_found');
  if (channel.imUser) {
    return {
      ok: true,
      channel: { id: channel.id, created: channel.created, is_im: true, is_org_shared: false, user: channel.imUser, is_user_deleted: false },
    };
  }
  return {
    ok: true,
    channel: {
      id: channel.id,
      name: channel.name,
      name_normalized: channel.name,
      created: channel.created,
      creator: ws.app.botUserId,
      is_channel: true,
      is_group: false,
      is_im: false,
      is_mpim: false,
      is_private: channel.isPrivate,
      is_archived: false,
      is_general: channel.name === 'general',
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_member: true,
      context_team_id: ws.team.id,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    },
  };
}

/**
 * A WebSocket URL for Socket Mode. Slack's is `wss://…/link/?ticket=…&app_id=…`, good for
 * one connection; ours points at this emulator and expires after 30 seconds unused.
 * https://docs.slack.dev/reference/methods/apps.connections.open
 */
export function appsConnectionsOpen(ws: Workspace, wsBase: string): Answer {
  const ticket = randomUUID();
  ws.socketTickets.set(ticket, Date.now() + 30_000);
  return { ok: true, url: `${wsBase}link/?ticket=${ticket}&app_id=${ws.app.id}` };
}

