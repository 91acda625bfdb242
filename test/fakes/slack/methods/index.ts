/**
 * The Web API methods the emulator answers, and which kind of token each one takes.
 * Anything else answers `unknown_method`.
 */
import type { Answer } from '../args.ts';
import type { Workspace } from '../workspace.ts';
import type { Json } from '../types.ts';
import * as chat from './chat.ts';
import { appsConnectionsOpen, authTest, conversationsInfo, usersInfo } from './directory.ts';
import { completeUploadExternal, filesInfo, getUploadURLExternal, type UploadTokens } from './files.ts';
import { dndInfo, usersGetPresence } from './presence.ts';
import * as reactions from './reactions.ts';
import * as views from './views.ts';

export interface MethodEnv {
  ws: Workspace;
  /** http://127.0.0.1:PORT/ */
  base: string;
  /** ws://127.0.0.1:PORT/ */
  wsBase: string;
  uploads: UploadTokens;
}

export interface Method {
  /** Bot token (xoxb-) or app-level token (xapp-, Socket Mode only). */
  token: 'bot' | 'app';
  /** The scope the token needs; without it the call answers `missing_scope`. */
  scope?: string;
  run(env: MethodEnv, args: Json): Answer;
}

export const METHODS: Record<string, Method> = {
  'auth.test': { token: 'bot', run: (e) => authTest(e.ws) },
  'chat.postMessage': { token: 'bot', run: (e, a) => chat.postMessage(e.ws, a) },
  'chat.update': { token: 'bot', run: (e, a) => chat.update(e.ws, a) },
  'chat.delete': { token: 'bot', run: (e, a) => chat.remove(e.ws, a) },
  'chat.postEphemeral': { token: 'bot', run: (e, a) => chat.postEphemeral(e.ws, a) },
  'chat.getPermalink': { token: 'bot', run: (e, a) => chat.getPermalink(e.ws, a) },
  'reactions.add': { token: 'bot', run: (e, a) => reactions.add(e.ws, a) },
  'reactions.remove': { token: 'bot', run: (e, a) => reactions.remove(e.ws, a) },
  'views.open': { token: 'bot', run: (e, a) => views.open(e.ws, a) },
  'views.update': { token: 'bot', run: (e, a) => views.update(e.ws, a) },
  'views.publish': { token: 'bot', run: (e, a) => views.publish(e.ws, a) },
  'users.info': { token: 'bot', scope: 'users:read', run: (e, a) => usersInfo(e.ws, a) },
  'users.getPresence': { token: 'bot', scope: 'users:read', run: (e, a) => usersGetPresence(e.ws, a) },
  'dnd.info': { token: 'bot', scope: 'dnd:read', run: (e, a) => dndInfo(e.ws, a) },
  'conversations.info': { token: 'bot', run: (e, a) => conversationsInfo(e.ws, a) },
  'files.getUploadURLExternal': { token: 'bot', run: (e, a) => getUploadURLExternal(e.ws, a, e.base, e.uploads) },
  'files.completeUploadExternal': { token: 'bot', run: (e, a) => completeUploadExternal(e.ws, a, e.base) },
  'files.info': { token: 'bot', run: (e, a) => filesInfo(e.ws, a, e.base) },
  'apps.connections.open': { token: 'app', run: (e) => appsConnectionsOpen(e.ws, e.wsBase) },
};
