/**
 * views.open / views.update / views.publish: modals and the App Home tab.
 * https://docs.slack.dev/surfaces/modals
 */
import { fail, jsonArg, blocksProblem, str, type Answer } from '../args.ts';
import { hex, slackId } from '../ids.ts';
import type { Workspace } from '../workspace.ts';
import type { Json, StoredView } from '../types.ts';

/**
 * A trigger_id is good once, for 3 seconds: "Triggers expire in three seconds. Use them
 * before you lose them." https://docs.slack.dev/interactivity/handling-user-interaction#modal_responses
 */
export function open(ws: Workspace, args: Json): Answer {
  const id = str(args, 'trigger_id') ?? str(args, 'interactivity_pointer');
  const trigger = id ? ws.triggers.get(id) : undefined;
  if (!trigger) return fail('invalid_trigger_id');
  if (trigger.used) return fail('exchanged_trigger_id');
  if (Date.now() > trigger.expiresAt) return fail('expired_trigger_id');
  const input = readView(args, 'modal');
  if ('error' in input) return input.error;
  trigger.used = true;
  const view = buildView(ws, input.view, slackId('V'));
  const stored: StoredView = { user: trigger.user, open: true, view };
  ws.views.set(view.id, stored);
  return { ok: true, view: structuredClone(view) };
}

export function update(ws: Workspace, args: Json): Answer {
  const viewId = str(args, 'view_id');
  const externalId = str(args, 'external_id');
  const stored = viewId
    ? ws.views.get(viewId)
    : [...ws.views.values()].find((v) => externalId && v.view.external_id === externalId);
  if (!stored) return fail('not_found');
  const hash = str(args, 'hash');
  if (hash && hash !== stored.view.hash) return fail('hash_conflict');
  const input = readView(args, 'modal');
  if ('error' in input) return input.error;
  stored.view = buildView(ws, input.view, stored.view.id, stored.view);
  return { ok: true, view: structuredClone(stored.view) };
}

/** https://docs.slack.dev/reference/methods/views.publish */
export function publish(ws: Workspace, args: Json): Answer {
  const user = str(args, 'user_id') ?? '';
  if (!ws.users.has(user)) return fail('not_found');
  const current = ws.homes.get(user);
  const hash = str(args, 'hash');
  if (hash && current && hash !== current.view.hash) return fail('hash_conflict');
  const input = readView(args, 'home');
  if ('error' in input) return input.error;
  const view = buildView(ws, input.view, current?.view.id ?? slackId('V'), current?.view);
  ws.homes.set(user, { user, open: true, view });
  return { ok: true, view: structuredClone(view) };
}

function readView(args: Json, kind: 'modal' | 'home'): { view: Json } | { error: Answer } {
  const parsed = jsonArg(args, 'view');
  if (parsed.invalid || typeof parsed.value !== 'object' || parsed.value === null) {
    return { error: invalid('missing required field: view') };
  }
  const view = parsed.value as Json;
  if (view.type !== kind) return { error: invalid(`must be '${kind}' [json-pointer:/view/type]`) };
  const problem = blocksProblem(view.blocks ?? [], 100);
  if (problem) return { error: invalid(problem.replace('/blocks', '/view/blocks')) };
  if (kind === 'modal') {
    const title = (view.title as Json | undefined)?.text;
    if (typeof title !== 'string') return { error: invalid('missing required field: title [json-pointer:/view]') };
    if (title.length > 24) return { error: invalid('must be less than 25 characters [json-pointer:/view/title/text]') };
    const hasInput = (view.blocks as Json[] | undefined)?.some((b) => b.type === 'input');
    if (hasInput && !view.submit) return { error: invalid('must provide submit when there are input blocks [json-pointer:/view/submit]') };
  }
  return { view };
}

/** Errors on views carry their reason in response_metadata, as Slack answers. */
function invalid(message: string): Answer {
  return fail('invalid_arguments', { response_metadata: { messages: [`[ERROR] ${message}`] } });
}

function buildView(ws: Workspace, input: Json, id: string, previous?: Json): StoredView['view'] {
  return {
    id,
    team_id: ws.team.id,
    type: String(input.type),
    blocks: (input.blocks as unknown[] | undefined) ?? [],
    private_metadata: input.private_metadata ?? '',
    callback_id: input.callback_id ?? '',
    state: { values: {} },
    hash: `${Math.floor(Date.now() / 1000)}.${hex(4)}`,
    title: input.title ?? null,
    close: input.close ?? null,
    submit: input.submit ?? null,
    clear_on_close: input.clear_on_close ?? false,
    notify_on_close: input.notify_on_close ?? false,
    external_id: input.external_id ?? '',
    previous_view_id: null,
    root_view_id: previous?.root_view_id ?? id,
    app_id: ws.app.id,
    app_installed_team_id: ws.team.id,
    bot_id: ws.app.botId,
  };
}
