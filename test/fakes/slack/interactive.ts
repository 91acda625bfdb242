/**
 * Payloads for what a person does with the app: run a slash command, use a button or menu
 * on a message or a view, submit a modal. Each comes with a fresh trigger_id (for
 * views.open, 3 s) and, where Slack gives one, a response_url pointing at this emulator.
 * Shapes follow Bolt's SlashCommand, BlockAction and ViewSubmitAction types.
 * https://docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling
 * https://docs.slack.dev/reference/interaction-payloads
 */
import { actionEntry, findElement, inputElements, stateEntry } from './block-elements.ts';
import { hex, triggerId } from './ids.ts';
import { findMessage } from './messages.ts';
import { channelOrThrow, type ResponseUrlGrant, type Workspace } from './workspace.ts';
import type { Json } from './types.ts';

/** response_urls are good "up to 5 times within 30 minutes". */
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export function issueTrigger(ws: Workspace, user: string, channel?: string): string {
  const id = triggerId();
  ws.triggers.set(id, { user, expiresAt: Date.now() + ws.triggerTtlMs, used: false, ...(channel ? { channel } : {}) });
  return id;
}

function issueResponseUrl(ws: Workspace, base: string, grant: Omit<ResponseUrlGrant, 'expiresAt' | 'uses'>): string {
  const path = `${grant.origin === 'command' ? 'commands' : 'actions'}/${ws.team.id}/${Date.now()}${Math.floor(Math.random() * 1e3)}/${hex(12)}`;
  ws.responseUrls.set(path, { ...grant, expiresAt: Date.now() + RESPONSE_URL_TTL_MS, uses: 0 });
  return `${base}${path}`;
}

export interface CommandInput {
  user: string;
  channel: string;
  command: string;
  text?: string;
}

/** The form fields of a slash command invocation. */
export function slashCommand(ws: Workspace, base: string, input: CommandInput): Record<string, string> {
  const channel = channelOrThrow(ws, input.channel);
  const user = ws.users.get(input.user);
  return {
    token: ws.tokens.verification,
    team_id: ws.team.id,
    team_domain: ws.team.domain,
    channel_id: channel.id,
    channel_name: channel.imUser ? 'directmessage' : channel.name,
    user_id: input.user,
    user_name: user?.name ?? input.user,
    command: input.command,
    text: input.text ?? '',
    api_app_id: ws.app.id,
    is_enterprise_install: 'false',
    response_url: issueResponseUrl(ws, base, { origin: 'command', user: input.user, channel: channel.id }),
    trigger_id: issueTrigger(ws, input.user, channel.id),
  };
}

export interface ActionInput {
  user: string;
  actionId: string;
  /** For menus: the option value (or user/channel id) chosen. Buttons send their own value. */
  value?: string;
  /** A message's element: its channel and ts. */
  channel?: string;
  ts?: string;
  /** A view's element (a modal, or the App Home): its view id. */
  viewId?: string;
}

/** A block_actions payload for using the element `actionId` where the person sees it. */
export function blockActions(ws: Workspace, base: string, input: ActionInput): Json {
  const user = ws.users.get(input.user);
  const common = {
    type: 'block_actions',
    user: { id: input.user, username: user?.name ?? input.user, name: user?.name ?? input.user, team_id: ws.team.id },
    api_app_id: ws.app.id,
    token: ws.tokens.verification,
    team: { id: ws.team.id, domain: ws.team.domain },
    enterprise: null,
    is_enterprise_install: false,
    state: { values: {} },
  };
  const actionTs = ws.nextTs();
  if (input.viewId) {
    const stored = ws.views.get(input.viewId) ?? [...ws.homes.values()].find((h) => h.view.id === input.viewId);
    if (!stored) throw new Error(`slack emulator: no view ${input.viewId}`);
    const found = findElement(stored.view.blocks as unknown[], input.actionId);
    if (!found) throw new Error(`slack emulator: view ${input.viewId} has no element ${input.actionId}`);
    return {
      ...common,
      container: { type: 'view', view_id: stored.view.id },
      trigger_id: issueTrigger(ws, input.user),
      view: structuredClone(stored.view),
      actions: [actionEntry(found, input.value, actionTs, ws.suggestions.get(`${stored.view.id}:${input.actionId}`))],
    };
  }
  const channel = channelOrThrow(ws, input.channel ?? '');
  const ephemeral = ws.ephemerals.find((e) => e.channel === channel.id && e.ts === input.ts && e.user === input.user);
  if (ephemeral) {
    // An ephemeral message is the clicker's alone: Slack sends no `message` for it, only its
    // container (is_ephemeral), and its response_url can replace or delete it.
    // https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
    const found = findElement(ephemeral.blocks ?? [], input.actionId);
    if (!found) throw new Error(`slack emulator: ephemeral ${ephemeral.ts} has no element ${input.actionId}`);
    return {
      ...common,
      container: { type: 'message', message_ts: ephemeral.ts, channel_id: channel.id, is_ephemeral: true, ...(ephemeral.thread_ts ? { thread_ts: ephemeral.thread_ts } : {}) },
      trigger_id: issueTrigger(ws, input.user, channel.id),
      channel: { id: channel.id, name: channel.imUser ? 'directmessage' : channel.name },
      response_url: issueResponseUrl(ws, base, { origin: 'block_actions', user: input.user, channel: channel.id, messageTs: ephemeral.ts, ephemeral: true }),
      actions: [actionEntry(found, input.value, actionTs)],
    };
  }
  const message = findMessage(ws, channel.id, input.ts ?? '');
  if (!message) throw new Error(`slack emulator: no message ${input.ts} in ${channel.id}`);
  const found = findElement(message.blocks, input.actionId);
  if (!found) throw new Error(`slack emulator: message ${message.ts} has no element ${input.actionId}`);
  return {
    ...common,
    container: { type: 'message', message_ts: message.ts, channel_id: channel.id, is_ephemeral: false },
    trigger_id: issueTrigger(ws, input.user, channel.id),
    channel: { id: channel.id, name: channel.imUser ? 'directmessage' : channel.name },
    message: structuredClone(message),
    response_url: issueResponseUrl(ws, base, { origin: 'block_actions', user: input.user, channel: channel.id, messageTs: message.ts }),
    actions: [actionEntry(found, input.value, actionTs)],
  };
}

export interface ShortcutInput {
  user: string;
  /** The shortcut's callback_id, as the app's manifest declares it. */
  callbackId: string;
  /** The message it is used on: its channel and ts (a thread reply, or a top-level message). */
  channel: string;
  ts: string;
}

/**
 * A message shortcut's payload (Bolt's MessageShortcut): the whole message, its channel, a
 * trigger_id and a response_url. https://docs.slack.dev/reference/interaction-payloads/shortcuts-interaction-payload
 */
export function messageShortcut(ws: Workspace, base: string, input: ShortcutInput): Json {
  const channel = channelOrThrow(ws, input.channel);
  const message = findMessage(ws, channel.id, input.ts);
  if (!message) throw new Error(`slack emulator: no message ${input.ts} in ${channel.id}`);
  const user = ws.users.get(input.user);
  return {
    type: 'message_action',
    token: ws.tokens.verification,
    action_ts: ws.nextTs(),
    team: { id: ws.team.id, domain: ws.team.domain },
    user: { id: input.user, username: user?.name ?? input.user, name: user?.name ?? input.user, team_id: ws.team.id },
    channel: { id: channel.id, name: channel.imUser ? 'directmessage' : channel.name },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: input.callbackId,
    trigger_id: issueTrigger(ws, input.user, channel.id),
    response_url: issueResponseUrl(ws, base, { origin: 'block_actions', user: input.user, channel: channel.id }),
    message_ts: message.ts,
    message: structuredClone(message),
  };
}

export interface SuggestionInput {
  user: string;
  /** The modal holding the external_select, and the select's action_id. */
  viewId: string;
  actionId: string;
  /** What the person has typed into the menu so far. */
  value: string;
}

/**
 * A block_suggestion payload (Bolt's BlockSuggestion): Slack asks the app's options load URL
 * for an external_select's options as the person types. https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select
 */
export function blockSuggestion(ws: Workspace, input: SuggestionInput): Json {
  const stored = ws.views.get(input.viewId);
  if (!stored?.open) throw new Error(`slack emulator: no open modal ${input.viewId}`);
  const found = findElement(stored.view.blocks as unknown[], input.actionId);
  if (!found || found.element.type !== 'external_select') throw new Error(`slack emulator: modal ${input.viewId} has no external_select ${input.actionId}`);
  const user = ws.users.get(input.user);
  return {
    type: 'block_suggestion',
    user: { id: input.user, username: user?.name ?? input.user, name: user?.name ?? input.user, team_id: ws.team.id },
    container: { type: 'view', view_id: stored.view.id },
    api_app_id: ws.app.id,
    token: ws.tokens.verification,
    action_id: input.actionId,
    block_id: found.blockId,
    value: input.value,
    team: { id: ws.team.id, domain: ws.team.domain },
    enterprise: null,
    is_enterprise_install: false,
    view: structuredClone(stored.view),
  };
}

/** Keeps the options an app answered a block_suggestion with: the ones the person can then pick. */
export function rememberSuggestions(ws: Workspace, payload: Json, answer: Json | undefined): void {
  const groups = (answer?.option_groups as { options: Json[] }[] | undefined) ?? [];
  const options = [...((answer?.options as Json[] | undefined) ?? []), ...groups.flatMap((g) => g.options)];
  ws.suggestions.set(`${String((payload.container as Json).view_id)}:${String(payload.action_id)}`, options);
}

export interface SubmissionInput {
  user: string;
  viewId: string;
  /** What the person typed or chose, by the input element's action_id. */
  values?: Record<string, string | string[]>;
}

/** A view_submission payload for the open modal `viewId`, with `state.values` filled in. */
export function viewSubmission(ws: Workspace, input: SubmissionInput): Json {
  const stored = ws.views.get(input.viewId);
  if (!stored?.open) throw new Error(`slack emulator: no open modal ${input.viewId}`);
  const inputs = inputElements(stored.view.blocks as unknown[]);
  for (const actionId of Object.keys(input.values ?? {})) {
    if (!inputs.has(actionId)) throw new Error(`slack emulator: modal ${input.viewId} has no input ${actionId}`);
  }
  const values: Record<string, Record<string, Json>> = {};
  for (const [actionId, found] of inputs) {
    (values[found.blockId] ??= {})[actionId] = stateEntry(found.element, input.values?.[actionId], ws.suggestions.get(`${input.viewId}:${actionId}`));
  }
  const user = ws.users.get(input.user);
  return {
    type: 'view_submission',
    team: { id: ws.team.id, domain: ws.team.domain },
    user: { id: input.user, username: user?.name ?? input.user, name: user?.name ?? input.user, team_id: ws.team.id },
    api_app_id: ws.app.id,
    token: ws.tokens.verification,
    trigger_id: issueTrigger(ws, input.user),
    view: { ...structuredClone(stored.view), state: { values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
