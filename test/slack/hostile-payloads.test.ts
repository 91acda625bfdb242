import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESCALATE_VIEW } from '../../src/slack/bolt.ts';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { signRequest } from '../fakes/slack/index.ts';
import { ADA, startSlackDesk, TRIAGE, type SlackDesk } from './helpers.ts';

// Correctly signed requests whose bodies are not what Slack sends: whoever holds the signing
// secret (or a Slack change) must not be able to make us answer 5xx. A body of the wrong shape
// is refused with 400 and a JSON error naming the field; a well-formed one we have no listener
// for is acknowledged with 200. Neither changes anything.

type Json = Record<string, unknown>;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

let desk: SlackDesk;
let number: number;
let claim: Json;
beforeAll(async () => {
  desk = await startSlackDesk();
  number = await desk.write('hostile@example.com', 'please help');
  const ts = await desk.cardTs(number);
  claim = desk.slack.blockActions({ user: ADA, channel: TRIAGE, ts, actionId: CARD_ACTIONS.claim }) as Json;
});
afterAll(() => desk?.close());

async function post(contentType: string, body: string): Promise<{ status: number; json: any }> {
  const signed = signRequest(desk.slack.signingSecret, body);
  const response = await fetch(desk.eventsUrl, { method: 'POST', headers: { 'content-type': contentType, ...signed.headers }, body: signed.body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

const interaction = (payload: unknown) => post(FORM, new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
const command = (fields: [string, string][]) => post(FORM, new URLSearchParams(fields).toString());
const event = (body: unknown) => post(JSON_TYPE, JSON.stringify(body));

/** Everything a Slack request could have changed. */
async function footprint() {
  const [row] = await desk.app.db.sql<{ events: number; slackEvents: number; jobs: number }[]>`
    select (select count(*)::int from events) as events, (select count(*)::int from slack_events) as slack_events,
      (select count(*)::int from pgboss.job where name = 'slack.event') as jobs`;
  const ticket = await desk.app.tickets.view(number);
  return { ...row, ephemerals: desk.slack.ephemerals().length, views: desk.slack.views().length, assignee: ticket.assignee, level: ticket.escalationLevel };
}

/** A click on the card's Claim, as Slack sends it, to be spoilt. */
const click = (): Json => structuredClone(claim);
const firstAction = (payload: Json) => (payload.actions as Json[])[0]!;

/** A submission of the escalation modal for the ticket, as Slack sends it, to be spoilt. */
const submission = (): Json => ({
  type: 'view_submission',
  team: { id: desk.slack.teamId, domain: 'switchboard-test' },
  user: { id: ADA, username: 'ada', name: 'ada', team_id: desk.slack.teamId },
  api_app_id: 'A0APP00001',
  token: 'verification-token',
  trigger_id: '1.2.3',
  view: {
    id: 'V0HOSTILE1',
    type: 'modal',
    callback_id: ESCALATE_VIEW,
    private_metadata: String(number),
    state: { values: { reason: { reason: { type: 'plain_text_input', value: 'because' } } } },
  },
  response_urls: [],
  is_enterprise_install: false,
  enterprise: null,
});
const view = (payload: Json) => payload.view as Json;

/** A `/ticket` command's form fields, as Slack sends them, to be spoilt. */
const commandFields = (): [string, string][] =>
  Object.entries(desk.slack.slashCommand({ user: ADA, channel: TRIAGE, command: '/ticket', text: `claim ${number}` }));
const without = (fields: [string, string][], key: string) => fields.filter(([k]) => k !== key);

type Case = [name: string, send: () => Promise<{ status: number; json: any }>, field: string];

const malformed: Case[] = [
  ['block_actions whose actions is a string', () => interaction({ ...click(), actions: 'claim' }), 'actions'],
  ['block_actions whose actions is an object', () => interaction({ ...click(), actions: { action_id: CARD_ACTIONS.claim } }), 'actions'],
  ['block_actions with no actions', () => interaction({ ...click(), actions: [] }), 'actions'],
  ['block_actions whose action is null', () => interaction({ ...click(), actions: [null] }), 'actions.0'],
  ['block_actions whose action has no action_id', () => interaction({ ...click(), actions: [{ ...firstAction(click()), action_id: undefined }] }), 'actions.0.action_id'],
  ['block_actions whose action value is a number', () => interaction({ ...click(), actions: [{ ...firstAction(click()), value: number, block_id: 'x' }] }), 'actions.0.value'],
  ['block_actions whose selected_option is a string', () => interaction({ ...click(), actions: [{ ...firstAction(click()), action_id: CARD_ACTIONS.priority, selected_option: 'urgent' }] }), 'actions.0.selected_option'],
  ['block_actions without user', () => interaction({ ...click(), user: undefined }), 'user'],
  ['block_actions whose user is a string', () => interaction({ ...click(), user: ADA }), 'user'],
  ['block_actions whose user id is a number', () => interaction({ ...click(), user: { id: 7 } }), 'user.id'],
  ['block_actions whose channel is null', () => interaction({ ...click(), channel: null }), 'channel'],
  ['block_actions whose team is a string', () => interaction({ ...click(), team: 'T0' }), 'team'],
  ['block_actions whose response_url is a number', () => interaction({ ...click(), response_url: 5 }), 'response_url'],
  ['view_submission whose view is a string', () => interaction({ ...submission(), view: 'V0' }), 'view'],
  ['view_submission without view', () => interaction({ ...submission(), view: undefined }), 'view'],
  ['view_submission whose callback_id is a number', () => interaction({ ...submission(), view: { ...view(submission()), callback_id: 5 } }), 'view.callback_id'],
  ['view_submission whose private_metadata is a number', () => interaction({ ...submission(), view: { ...view(submission()), private_metadata: number } }), 'view.private_metadata'],
  ['view_submission whose state is a string', () => interaction({ ...submission(), view: { ...view(submission()), state: 'full' } }), 'view.state'],
  ['view_submission whose state has no values', () => interaction({ ...submission(), view: { ...view(submission()), state: {} } }), 'view.state.values'],
  [
    'view_submission whose input value is a number',
    () => interaction({ ...submission(), view: { ...view(submission()), state: { values: { reason: { reason: { type: 'plain_text_input', value: 5 } } } } } }),
    'view.state.values.reason.reason.value',
  ],
  ['view_submission whose view app_installed_team_id is an object', () => interaction({ ...submission(), view: { ...view(submission()), app_installed_team_id: {} } }), 'view.app_installed_team_id'],
  ['view_submission without user', () => interaction({ ...submission(), user: undefined }), 'user'],
  ['a payload given twice', () => post(FORM, `payload=${encodeURIComponent(JSON.stringify(click()))}&payload=${encodeURIComponent('{}')}`), 'payload'],
  ['a /ticket command without text', () => command(without(commandFields(), 'text')), 'text'],
  ['a /ticket command without user_id', () => command(without(commandFields(), 'user_id')), 'user_id'],
  ['a /ticket command whose user_id is repeated', () => command([...commandFields(), ['user_id', 'U0AGENT002']]), 'user_id'],
  ['a /ticket command whose text is repeated', () => command([...commandFields(), ['text', 'resolve 1']]), 'text'],
  ['a url_verification without a challenge', () => event({ type: 'url_verification', token: 't' }), 'challenge'],
  ['a url_verification whose challenge is a number', () => event({ type: 'url_verification', challenge: 5 }), 'challenge'],
  [
    'a thread reply event whose channel is a number',
    () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE1', event: { type: 'message', channel: 5, user: ADA, ts: '2.0', thread_ts: '1.0' } }),
    'event.channel',
  ],
  [
    'a thread reply event whose user is an array and thread_ts a number',
    () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE5', event: { type: 'message', channel: TRIAGE, user: [ADA], ts: '2.0', thread_ts: 1 } }),
    'event.user',
  ],
  [
    'an edit event whose edited message has no ts',
    () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE6', event: { type: 'message', subtype: 'message_changed', channel: TRIAGE, ts: '3.0', message: { user: ADA, thread_ts: '1.0', text: 'x' } } }),
    'event.message.ts',
  ],
  // Postgres's text and jsonb hold neither U+0000 nor a lone surrogate: storing one was a 500.
  [
    'an app_home_opened event whose user holds a lone surrogate',
    () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE8', event: { type: 'app_home_opened', user: 'U\ud800', tab: 'home' } }),
    'event.user',
  ],
  [
    'a thread reply event whose text holds a NUL byte',
    () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE9', event: { type: 'message', channel: TRIAGE, user: ADA, ts: '2.0', thread_ts: '1.0', text: 'a\u0000b' } }),
    'event.text',
  ],
  [
    'an event_callback whose event_id holds lone surrogates',
    () => event({ type: 'event_callback', event_id: 'Ev\ud800\ud800', event: { type: 'app_home_opened', user: ADA, tab: 'home' } }),
    'event_id',
  ],
  [
    'an app_home_opened event whose user is a number',
    () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE2', event: { type: 'app_home_opened', user: 5, tab: 'home' } }),
    'event.user',
  ],
];

const refusedBefore: Case[] = [
  ['a payload that is not JSON', () => post(FORM, 'payload=%7Bnot%20json'), 'payload'],
  ['a payload that is a JSON array', () => post(FORM, `payload=${encodeURIComponent('[1,2]')}`), 'payload'],
  ['a payload whose type is a number', () => interaction({ ...click(), type: 5 }), 'type'],
  ['an event_callback whose event is a string', () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE3', event: 'message' }), 'event'],
  ['an event_callback whose event_id is a number', () => event({ type: 'event_callback', event_id: 5, event: { type: 'message' } }), 'event_id'],
  ['a JSON body that is null', () => post(JSON_TYPE, 'null'), 'body'],
  // Found by the fuzzer: Bolt looked these up in a plain object and threw (500).
  ['a /ticket command whose team_id is valueOf', () => command([...without(commandFields(), 'team_id'), ['team_id', 'valueOf']]), 'team_id'],
  ['block_actions whose team id is __proto__', () => interaction({ ...click(), team: { id: '__proto__', domain: 'x' } }), 'team.id'],
  ['block_actions whose user team_id is constructor', () => interaction({ ...click(), user: { ...(click().user as Json), team_id: 'constructor' } }), 'user.team_id'],
  ['an interaction whose type is valueOf', () => interaction({ ...click(), type: 'valueOf' }), 'type'],
  ['an event_callback whose team_id is toString', () => event({ type: 'event_callback', team_id: 'toString', event_id: 'Ev0HOSTILE7', event: { type: 'app_home_opened', user: ADA, tab: 'home' } }), 'team_id'],
];

const unknown: [name: string, send: () => Promise<{ status: number; json: any }>][] = [
  ['block_actions with an action_id we do not know', () => interaction({ ...click(), actions: [{ ...firstAction(click()), action_id: 'not.ours' }] })],
  ['block_actions that also carries an event, a command and a name', () => interaction({ ...click(), actions: [{ ...firstAction(click()), action_id: 'not.ours' }], event: 'x', command: 5, name: {} })],
  ['a view_submission of a view we do not know', () => interaction({ ...submission(), view: { ...view(submission()), callback_id: 'not.ours' } })],
  ['a view_closed', () => interaction({ ...submission(), type: 'view_closed', is_cleared: false })],
  ['a global shortcut we do not have', () => interaction({ type: 'shortcut', callback_id: 'not.ours', trigger_id: '1.2.3', user: { id: ADA }, team: null })],
  ['a message shortcut with a null channel', () => interaction({ type: 'message_action', callback_id: 'not.ours', channel: null, user: 'x' })],
  ['a block_suggestion', () => interaction({ type: 'block_suggestion', action_id: 'not.ours', value: 5, user: null })],
  ['a legacy interactive_message with garbage actions', () => interaction({ type: 'interactive_message', actions: 'x', channel: null })],
  ['an interaction of a type Slack has never sent', () => interaction({ type: 'not_a_type', actions: [null], view: 3 })],
  ['a command we do not have', () => command([...without(commandFields(), 'command'), ['command', '/nothing']])],
  ['an app_rate_limited notice', () => event({ type: 'app_rate_limited', token: 't', team_id: 'T0', minute_rate_limited: 1518467820, api_app_id: 'A0' })],
  ['an Events API body of a type Slack has never sent', () => event({ type: 'not_a_type', event: 'x', actions: 'y', command: 1 })],
  ['an event we never act on', () => event({ type: 'event_callback', event_id: 'Ev0HOSTILE4', event: { type: 'reaction_added', user: 5, item: 'x' } })],
];

describe('signed Slack requests of the wrong shape', () => {
  it.each([...malformed, ...refusedBefore])('refuses %s with 400 naming the field, and changes nothing', async (_name, send, field) => {
    const before = await footprint();
    const answer = await send();
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
    expect(answer.json.field ?? answer.json.message).toContain(field);
    expect(await footprint()).toEqual(before);
  });

  it.each(unknown)('acknowledges %s with 200 and changes nothing', async (_name, send) => {
    const before = await footprint();
    const answer = await send();
    expect(answer.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(await footprint()).toEqual(before);
  });

  // Found by the fuzzer (seed 223369): the whole event went into the job's jsonb, fields we never
  // read included, and Postgres refused their NUL bytes and lone surrogates, a 500 Slack retries.
  it.each([
    ['files of NUL bytes', 'Ev0JUNK1', { subtype: 'message_deleted', channel: null, files: '\u0000'.repeat(50) }],
    ['a message of lone surrogates', 'Ev0JUNK2', { subtype: 'message_deleted', ts: true, message: '\ud800'.repeat(50) }],
    ['a channel of lone surrogates and a numeric thread_ts', 'Ev0JUNK3', { subtype: 'file_share', channel: { '\udc00': ['\ud800'] }, thread_ts: -220949285 }],
  ])('acknowledges an app_home_opened event whose fields we do not read hold %s, and stores it without them', async (_name, eventId, junk) => {
    const before = await footprint();
    const answer = await event({ type: 'event_callback', team_id: desk.slack.teamId, challenge: 2147483642, event_id: eventId, event: { type: 'app_home_opened', user: ADA, tab: 'home', ...junk } });
    expect(answer.status).toBe(200);
    const [job] = await desk.app.db.sql<{ data: { event: Json } }[]>`select data from pgboss.job where name = 'slack.event' and data->>'eventId' = ${eventId}`;
    expect(job?.data.event).toEqual({ type: 'app_home_opened', user: ADA, tab: 'home' });
    expect(await footprint()).toMatchObject({ slackEvents: before.slackEvents + 1, jobs: before.jobs + 1 });
    await expect.poll(() => desk.slack.homeView(ADA), { timeout: 10_000 }).toBeDefined();
  });

  it('still takes the unspoilt command and click afterwards', async () => {
    const answer = await command(commandFields());
    expect(answer).toMatchObject({ status: 200, json: { text: `You have #${number}.` } });
    expect((await desk.app.tickets.view(number)).assignee).toBe(ADA);
    expect((await interaction({ ...click(), actions: [{ ...firstAction(click()), value: String(number) }] })).status).toBe(200);
  });
});
