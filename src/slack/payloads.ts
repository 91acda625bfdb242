/**
 * The shapes of what Slack delivers, checked before anything acts on it: a signed request is
 * Slack's (or someone's with our signing secret), not necessarily well-formed, and Bolt reads
 * fields without looking (`body.user.id`, `body.channel.id`), so a missing or mistyped one
 * would be a 500. A delivery of the wrong shape is refused (ChannelInputError, 400) naming the
 * field; one of a kind nothing listens for is acknowledged untouched.
 *
 * Bolt is handed the parsed object, which holds only the top-level fields declared here: it
 * picks its listener by which fields are present (`event`, `command`, `name`, `actions`), so an
 * undeclared one must not reach it. A new listener kind needs its schema here first.
 * https://docs.slack.dev/reference/interaction-payloads
 */
import { z } from 'zod';
import { ChannelInputError } from '../channels/contract.ts';
import { isStorable } from '../tickets/clean.ts';
import { OPTION_LOADS, SHORTCUT_IDS } from './shortcuts.ts';

type Json = Record<string, unknown>;

/** What one delivery is, once its shape is checked. */
export type SlackDelivery =
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'event'; eventId: string; event: Json }
  /** A command or interaction a Bolt listener handles: the checked body. */
  | { kind: 'bolt'; body: Json }
  /** Well-formed enough to know we have nothing for it (a global shortcut, a rate-limit notice, a new type). */
  | { kind: 'ignored'; type: string };

const id = z.string().min(1);
const user = z.looseObject({ id, team_id: z.string().optional() });
// Org-wide installs send `team: null` and `enterprise: null` outside a grid.
const team = z.looseObject({ id, enterprise_id: z.string().nullish() }).nullish();
const enterprise = z.looseObject({ id }).nullish();

/** Fields every interaction may carry, as Bolt reads them. */
const interaction = {
  user,
  team,
  enterprise,
  is_enterprise_install: z.boolean().optional(),
  api_app_id: z.string().optional(),
  token: z.string().optional(),
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
};

const blockAction = z.looseObject({
  action_id: id,
  block_id: z.string().optional(),
  type: z.string().optional(),
  value: z.string().optional(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_user: z.string().nullish(),
  action_ts: z.string().optional(),
});

const blockActions = z.object({
  ...interaction,
  type: z.literal('block_actions'),
  actions: z.array(blockAction).min(1),
  channel: z.looseObject({ id }).optional(),
  container: z.looseObject({}).optional(),
  message: z.looseObject({}).optional(),
  view: z.looseObject({}).optional(),
  state: z.looseObject({}).optional(),
});

/** One input's state in a submitted view, by block id then action id. */
const inputState = z.looseObject({
  type: z.string().optional(),
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_user: z.string().nullish(),
});

const viewSubmission = z.object({
  ...interaction,
  type: z.literal('view_submission'),
  view: z.looseObject({
    id: z.string().optional(),
    callback_id: z.string(),
    private_metadata: z.string().optional(),
    app_installed_team_id: z.string().optional(),
    state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), inputState)) }),
  }),
  response_urls: z.array(z.looseObject({ response_url: z.string() })).optional(),
});

/** A message shortcut: the message it was used on, in its channel. https://docs.slack.dev/interactivity/implementing-shortcuts#messages */
const messageShortcut = z.object({
  ...interaction,
  type: z.literal('message_action'),
  callback_id: id,
  trigger_id: id,
  response_url: z.string(),
  message_ts: z.string().optional(),
  action_ts: z.string().optional(),
  message: z.looseObject({ ts: id, thread_ts: z.string().optional(), user: z.string().optional(), text: z.string().optional() }),
  channel: z.looseObject({ id }),
});

/** An external_select asking for its options. https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select */
const blockSuggestion = z.object({
  ...interaction,
  type: z.literal('block_suggestion'),
  action_id: id,
  block_id: z.string(),
  value: z.string(),
  container: z.looseObject({}).optional(),
  view: z.looseObject({}).optional(),
  channel: z.looseObject({ id }).optional(),
});

// Slash commands arrive as form fields, all strings (`is_enterprise_install` is "true"/"false").
// https://docs.slack.dev/interactivity/implementing-slash-commands#app_command_handling
const slashCommand = z.object({
  command: z.string().startsWith('/'),
  text: z.string(),
  user_id: id,
  user_name: z.string().optional(),
  channel_id: z.string().optional(),
  channel_name: z.string().optional(),
  team_id: z.string().optional(),
  team_domain: z.string().optional(),
  enterprise_id: z.string().optional(),
  enterprise_name: z.string().optional(),
  is_enterprise_install: z.string().optional(),
  api_app_id: z.string().optional(),
  token: z.string().optional(),
  response_url: z.string().optional(),
  trigger_id: z.string().optional(),
});

const urlVerification = z.object({ type: z.literal('url_verification'), challenge: id });

// An event we act on is stored before it is acknowledged (its id in a row, the event in its
// job's jsonb), and Postgres holds neither U+0000 nor a lone surrogate (JSON.parse makes one of
// "\ud800"): the insert failed, a 500 Slack retries (found by the fuzzer). Such a field is
// refused, named; the fields we never read are not stored at all (the schemas below strip them).
const storable = z.string().refine(isStorable, 'holds U+0000 or a lone surrogate, which cannot be stored');
const storableId = z.string().min(1).refine(isStorable, 'holds U+0000 or a lone surrogate, which cannot be stored');

const eventCallback = z.looseObject({ type: z.literal('event_callback'), event_id: storableId, event: z.looseObject({ type: z.string() }) });

/** A message as a message event, or the `message`/`previous_message` inside one, carries it: what the event job reads. */
const message = z.object({
  ts: storableId,
  user: storable.optional(),
  bot_id: storable.optional(),
  subtype: storable.optional(),
  text: storable.optional(),
  thread_ts: storable.optional(),
  files: z.array(z.object({ id: storable.optional(), name: storable.optional(), mimetype: storable.optional(), url_private: storable.optional(), url_private_download: storable.optional() })).optional(),
});
const messageEvent = message.extend({ type: z.literal('message'), channel: storableId, message: message.optional(), previous_message: message.optional() });
const appHomeOpened = z.object({ type: z.literal('app_home_opened'), user: storableId, tab: storable });

/** Interaction types a listener in bolt.ts handles, with the shape it relies on. */
const INTERACTIONS: Record<string, z.ZodType<Json>> = { block_actions: blockActions, view_submission: viewSubmission, message_action: messageShortcut, block_suggestion: blockSuggestion };

/**
 * Checks one delivery (the body either transport brought) and says what it is. Throws
 * ChannelInputError (400) naming the first field of the wrong shape.
 */
export function readSlackDelivery(body: Json): SlackDelivery {
  const type = body.type;
  if (type === undefined && body.command !== undefined) return { kind: 'bolt', body: check(slashCommand, body) };
  if (typeof type !== 'string') throw new ChannelInputError('type: a Slack delivery names its type', { field: 'type' });
  if (type === 'url_verification') return { kind: 'url_verification', challenge: check(urlVerification, body).challenge };
  if (type === 'event_callback') {
    const envelope = check(eventCallback, body);
    return { kind: 'event', eventId: envelope.event_id, event: envelope.event };
  }
  // A message shortcut is ours by its callback id; another is acknowledged whatever its shape.
  if (type === 'message_action' && !SHORTCUT_IDS.has(String(body.callback_id))) return { kind: 'ignored', type };
  if (type === 'block_suggestion' && !OPTION_LOADS.has(String(body.action_id))) return { kind: 'ignored', type };
  const schema = INTERACTIONS[type];
  return schema ? { kind: 'bolt', body: check(schema, body) } : { kind: 'ignored', type };
}

/**
 * Checks an event we are about to act on (an agent's message in a thread, the App Home
 * opened) for the fields its job reads, and returns only those, to be stored for the job.
 * Events we never act on are not judged.
 */
export function checkSlackEvent(event: Json): Json {
  if (event.type === 'message') return check(messageEvent, event, 'event.');
  if (event.type === 'app_home_opened') return check(appHomeOpened, event, 'event.');
  return event;
}

function check<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = `${prefix}${issue.path.map(String).join('.')}`.replace(/\.$/, '') || 'body';
  throw new ChannelInputError(`${field}: ${issue.message}`, { field });
}
