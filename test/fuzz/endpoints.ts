/**
 * Generated requests for every public endpoint, each correctly authenticated most of the time
 * (the right bearer token, Twilio and Slack signatures over what is sent, Telegram's secret
 * header) so the fuzz reaches the parsers and the database, not only the door.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { CARD_ACTIONS } from '../../src/slack/card.ts';
import { ESCALATE_VIEW } from '../../src/slack/bolt.ts';
import { form, garbageBody, json, junkValue, maybe, mostly, nastyString } from './arbitraries.ts';

export interface FuzzRequest {
  method: 'GET' | 'POST';
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** What the generators must know of the instance under test. */
export interface FuzzSecrets {
  apiToken: string;
  /** PUBLIC_BASE_URL as the app was given it: Twilio signs the public URL. */
  publicBaseUrl: string;
  twilio: { accountSid: string; authToken: string; numbers: string[] };
  telegramSecret: string;
  slack: { signingSecret: string; teamId: string; appId: string; user: string; channel: string };
}

export interface FuzzEndpoint {
  name: string;
  requests(secrets: FuzzSecrets): fc.Arbitrary<FuzzRequest>;
  /** An accepted request sent again must store nothing more (a platform's retry). */
  replayable: boolean;
  /** What its requests can store (see footprint): endpoints of different scopes are fuzzed side by side. */
  scope: FuzzScope;
}

export type FuzzScope = 'api' | 'twilio' | 'telegram' | 'slack' | 'files';

const FORM = 'application/x-www-form-urlencoded';
const hex = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });

/** Twilio's X-Twilio-Signature over the public URL and the form's fields (first value of each, as the SDK signs). */
function twilioSigned(secrets: FuzzSecrets, route: string, body: string | Uint8Array, right: boolean): FuzzRequest {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const params = new URLSearchParams(text);
  const data = [...new Set(params.keys())].sort().reduce((acc, key) => acc + params.getAll(key).map((v) => key + v).join(''), `${secrets.publicBaseUrl}${route}`);
  const signature = createHmac('sha1', right ? secrets.twilio.authToken : 'wrong-token').update(Buffer.from(data, 'utf8')).digest('base64');
  return { method: 'POST', path: route, headers: { 'content-type': FORM, 'x-twilio-signature': signature }, body };
}

/** Slack's v0 signature over the body as sent. */
function slackSigned(secrets: FuzzSecrets, contentType: string, body: string | Uint8Array, right: boolean): FuzzRequest {
  const ts = Math.floor(Date.now() / 1000);
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const hmac = createHmac('sha256', right ? secrets.slack.signingSecret : 'wrong-secret');
  hmac.update(`v0:${ts}:`);
  hmac.update(bytes);
  return {
    method: 'POST',
    path: '/slack/events',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${hmac.digest('hex')}` },
    body,
  };
}

const authentic = fc.boolean().map((wrong) => !wrong).chain((ok) => fc.constantFrom(ok, true, true, true));
const phone = fc.oneof(fc.integer({ min: 2_000_000, max: 9_999_999 }).map((n) => `+1555${n}`), nastyString);

const api: FuzzEndpoint = {
  name: 'api',
  scope: 'api',
  replayable: true,
  requests: (s) =>
    fc
      .tuple(
        authentic,
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .record({
                id: mostly(fc.uuid()),
                from: mostly(fc.emailAddress()),
                name: maybe(mostly(fc.string({ maxLength: 30 }))),
                conversation: maybe(mostly(fc.string({ minLength: 1, maxLength: 30 }))),
                text: mostly(fc.string({ maxLength: 200 })),
                language: maybe(mostly(fc.constantFrom('en', 'pt-BR', 'de'))),
                attachments: maybe(mostly(fc.array(fc.record({ name: mostly(fc.string({ minLength: 1 })), contentType: mostly(fc.constant('text/plain')), data: mostly(fc.base64String({ maxLength: 40 })) }), { maxLength: 2 }))),
                extra: maybe(junkValue),
              })
              .map((body) => json(body) as string | Uint8Array),
          },
          // Well-formed but for hostile text and names: these reach the database.
          { weight: 2, arbitrary: fc.record({ id: fc.uuid(), from: fc.emailAddress(), name: nastyString, text: nastyString }).map(json) },
          { weight: 1, arbitrary: junkValue.map(json) },
          { weight: 1, arbitrary: garbageBody },
        ),
        fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', FORM),
      )
      .map(([ok, body, type]) => ({ method: 'POST', path: '/api/v1/inbound', headers: { authorization: `Bearer ${ok ? s.apiToken : 'wrong-token-0123456789'}`, 'content-type': type }, body })),
};

const twilioInbound: FuzzEndpoint = {
  name: 'twilio',
  scope: 'twilio',
  replayable: true,
  requests: (s) =>
    fc
      .tuple(
        authentic,
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .record({
                MessageSid: mostly(hex(32, 32).map((h) => `SM${h}`)),
                SmsMessageSid: maybe(nastyString),
                AccountSid: mostly(fc.constant(s.twilio.accountSid)),
                From: mostly(fc.oneof(phone, phone.map((p) => `whatsapp:${p}`))),
                To: mostly(fc.constantFrom(...s.twilio.numbers, ...s.twilio.numbers.map((n) => `whatsapp:${n}`))),
                Body: mostly(fc.string({ maxLength: 200 })),
                NumMedia: mostly(fc.constantFrom('0', '0', '1', '10', '-1', 'x')),
                MediaUrl0: maybe(nastyString),
                MediaContentType0: maybe(nastyString),
                NumSegments: maybe(nastyString),
                ProfileName: maybe(nastyString),
                OptOutType: maybe(fc.constantFrom('STOP', 'START', 'HELP', 'x')),
                ApiVersion: fc.constant('2010-04-01'),
              })
              .map((fields) => form(fields) as string | Uint8Array),
          },
          { weight: 1, arbitrary: garbageBody },
        ),
      )
      .map(([ok, body]) => twilioSigned(s, '/webhooks/twilio', body, ok)),
};

const twilioStatus: FuzzEndpoint = {
  name: 'twilio-status',
  scope: 'twilio',
  replayable: true,
  requests: (s) =>
    fc
      .tuple(
        authentic,
        fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .record({
                MessageSid: mostly(hex(32, 32).map((h) => `SM${h}`)),
                MessageStatus: mostly(fc.constantFrom('queued', 'sent', 'delivered', 'undelivered', 'failed', 'read')),
                ErrorCode: maybe(mostly(fc.constantFrom('30003', '63016', '0'))),
                ErrorMessage: maybe(nastyString),
                AccountSid: mostly(fc.constant(s.twilio.accountSid)),
                From: maybe(mostly(fc.constantFrom(...s.twilio.numbers))),
                To: maybe(phone),
              })
              .map((fields) => form(fields) as string | Uint8Array),
          },
          { weight: 1, arbitrary: garbageBody },
        ),
      )
      .map(([ok, body]) => twilioSigned(s, '/webhooks/twilio/status', body, ok)),
};

const telegram: FuzzEndpoint = {
  name: 'telegram',
  scope: 'telegram',
  replayable: true,
  requests: (s) => {
    const user = fc.record({ id: mostly(fc.integer({ min: 1, max: 2 ** 40 })), is_bot: mostly(fc.boolean()), first_name: mostly(fc.string({ maxLength: 20 })), language_code: maybe(mostly(fc.constantFrom('en', 'de'))) });
    const message = fc.record({
      message_id: mostly(fc.integer({ min: 1, max: 2 ** 31 })),
      date: mostly(fc.integer({ min: 1_600_000_000, max: 1_900_000_000 })),
      chat: mostly(fc.record({ id: mostly(fc.integer({ min: -(2 ** 40), max: 2 ** 40 })), type: mostly(fc.constantFrom('private', 'group', 'supergroup', 'channel')), title: maybe(nastyString) })),
      from: maybe(mostly(user)),
      text: maybe(mostly(fc.string({ maxLength: 200 }))),
      caption: maybe(nastyString),
      photo: maybe(junkValue),
      document: maybe(junkValue),
      entities: maybe(junkValue),
      reply_to_message: maybe(junkValue),
    });
    const update = fc.record({
      update_id: mostly(fc.integer({ min: 1, max: 2 ** 31 })),
      message: maybe(mostly(message)),
      edited_message: maybe(mostly(message)),
      callback_query: maybe(mostly(fc.record({ id: mostly(fc.string()), from: mostly(user), data: maybe(nastyString), message: maybe(mostly(message)) }))),
      my_chat_member: maybe(junkValue),
    });
    // A well-formed private message with hostile text, so some updates get past the shape check to the database.
    const clean = fc
      .record({ update_id: fc.integer({ min: 1, max: 2 ** 31 }), chat: fc.integer({ min: 1, max: 2 ** 40 }), message_id: fc.integer({ min: 1, max: 2 ** 31 }), text: nastyString, name: fc.string({ maxLength: 20 }) })
      .map(({ update_id, chat, message_id, text, name }) => ({ update_id, message: { message_id, date: 1_800_000_000, chat: { id: chat, type: 'private' }, from: { id: chat, is_bot: false, first_name: name }, text } }));
    return fc
      .tuple(authentic, fc.oneof({ weight: 3, arbitrary: update.map((u) => json(u) as string | Uint8Array) }, { weight: 2, arbitrary: clean.map(json) }, { weight: 1, arbitrary: junkValue.map(json) }, { weight: 1, arbitrary: garbageBody }))
      .map(([ok, body]) => ({ method: 'POST', path: '/webhooks/telegram', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': ok ? s.telegramSecret : 'wrong-secret' }, body }));
  },
};

const slackEvents: FuzzEndpoint = {
  name: 'slack-events',
  scope: 'slack',
  replayable: true,
  requests: (s) => {
    const event = fc.record({
      type: mostly(fc.constantFrom('message', 'app_mention', 'app_home_opened', 'reaction_added', 'member_joined_channel')),
      subtype: maybe(mostly(fc.constantFrom('message_changed', 'message_deleted', 'bot_message', 'file_share'))),
      channel: mostly(fc.constantFrom(s.slack.channel, 'D0DIRECT01')),
      user: mostly(fc.constant(s.slack.user)),
      text: mostly(fc.string({ maxLength: 200 })),
      ts: mostly(fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }).map((n) => `${n}.000100`)),
      thread_ts: maybe(mostly(fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }).map((n) => `${n}.000100`))),
      files: maybe(junkValue),
      message: maybe(junkValue),
      tab: maybe(mostly(fc.constant('home'))),
    });
    const callback = fc.record({
      token: fc.constant('verification-token'),
      team_id: mostly(fc.constant(s.slack.teamId)),
      api_app_id: mostly(fc.constant(s.slack.appId)),
      type: mostly(fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited')),
      challenge: maybe(mostly(fc.string({ maxLength: 40 }))),
      event: mostly(event),
      event_id: mostly(hex(8, 12).map((h) => `Ev${h}`)),
      event_time: mostly(fc.integer({ min: 1_700_000_000, max: 1_800_000_000 })),
    });
    return fc
      .tuple(authentic, fc.oneof({ weight: 4, arbitrary: callback.map((c) => json(c) as string | Uint8Array) }, { weight: 1, arbitrary: junkValue.map(json) }, { weight: 1, arbitrary: garbageBody }))
      .map(([ok, body]) => slackSigned(s, 'application/json', body, ok));
  },
};

const slackCommands: FuzzEndpoint = {
  name: 'slack-commands',
  scope: 'slack',
  // A command is an instruction, not a message: the same one twice may do its thing twice.
  replayable: false,
  requests: (s) => {
    const text = fc.oneof(
      fc.tuple(fc.constantFrom('claim', 'resolve', 'reopen', 'note', 'priority', 'assign', 'escalate', 'mine', 'open', 'help', 'channels', 'stats', 'team', 'reply', 'x'), fc.array(nastyString, { maxLength: 3 })).map(([verb, rest]) => [verb, ...rest].join(' ')),
      nastyString,
    );
    const fields = fc.record({
      token: fc.constant('verification-token'),
      team_id: mostly(fc.constant(s.slack.teamId)),
      team_domain: fc.constant('switchboard-test'),
      channel_id: mostly(fc.constant(s.slack.channel)),
      channel_name: fc.constant('triage'),
      user_id: mostly(fc.constant(s.slack.user)),
      user_name: fc.constant('ada'),
      command: mostly(fc.constantFrom('/ticket', '/tickets', '/other')),
      text: mostly(text),
      api_app_id: mostly(fc.constant(s.slack.appId)),
      is_enterprise_install: fc.constant('false'),
      response_url: maybe(mostly(fc.constant('http://127.0.0.1:9/commands/response'))),
      trigger_id: mostly(fc.constant('1.2.3')),
    });
    return fc
      .tuple(authentic, fc.oneof({ weight: 4, arbitrary: fields.map((f) => form(f) as string | Uint8Array) }, { weight: 1, arbitrary: garbageBody }))
      .map(([ok, body]) => slackSigned(s, FORM, body, ok));
  },
};

const slackInteractions: FuzzEndpoint = {
  name: 'slack-interactions',
  scope: 'slack',
  replayable: false,
  requests: (s) => {
    const team = { id: s.slack.teamId, domain: 'switchboard-test' };
    const user = mostly(fc.constant({ id: s.slack.user, username: 'ada', name: 'ada', team_id: s.slack.teamId }));
    const action = fc.record({
      type: mostly(fc.constantFrom('button', 'static_select', 'users_select')),
      action_id: mostly(fc.constantFrom(...Object.values(CARD_ACTIONS))),
      block_id: mostly(fc.string({ maxLength: 10 })),
      value: maybe(mostly(fc.integer({ min: -5, max: 50 }).map(String))),
      selected_option: maybe(mostly(fc.record({ value: nastyString }))),
      selected_user: maybe(mostly(fc.constant(s.slack.user))),
      action_ts: fc.constant('1700000000.000200'),
    });
    const blockActions = fc.record({
      type: mostly(fc.constant('block_actions')),
      user,
      team: fc.constant(team),
      api_app_id: fc.constant(s.slack.appId),
      token: fc.constant('verification-token'),
      trigger_id: fc.constant('1.2.3'),
      container: maybe(mostly(fc.record({ type: fc.constant('message'), message_ts: mostly(fc.constant('1700000000.000100')), channel_id: mostly(fc.constant(s.slack.channel)) }))),
      channel: maybe(mostly(fc.constant({ id: s.slack.channel, name: 'triage' }))),
      message: maybe(mostly(fc.record({ ts: mostly(fc.constant('1700000000.000100')), text: nastyString, blocks: maybe(junkValue) }))),
      actions: mostly(fc.array(mostly(action), { maxLength: 2 })),
      state: maybe(junkValue),
    });
    const submission = fc.record({
      type: mostly(fc.constantFrom('view_submission', 'view_closed', 'shortcut', 'message_action')),
      user,
      team: fc.constant(team),
      api_app_id: fc.constant(s.slack.appId),
      token: fc.constant('verification-token'),
      trigger_id: fc.constant('1.2.3'),
      view: mostly(fc.record({ id: mostly(fc.constant('V0FUZZ0001')), type: fc.constant('modal'), callback_id: mostly(fc.constant(ESCALATE_VIEW)), private_metadata: mostly(fc.integer({ min: -1, max: 50 }).map(String)), state: mostly(fc.record({ values: mostly(fc.record({ reason: mostly(fc.record({ reason: mostly(fc.record({ type: fc.constant('plain_text_input'), value: nastyString })) })) })) })) })),
      callback_id: maybe(nastyString),
    });
    const payload = fc.oneof(
      { weight: 4, arbitrary: fc.oneof(blockActions, submission).map((p) => form({ payload: json(p) }) as string | Uint8Array) },
      { weight: 1, arbitrary: junkValue.map((j) => form({ payload: typeof j === 'string' ? j : json(j) })) },
      { weight: 1, arbitrary: garbageBody },
    );
    return fc.tuple(authentic, payload).map(([ok, body]) => slackSigned(s, FORM, body, ok));
  },
};

const files: FuzzEndpoint = {
  name: 'files',
  scope: 'files',
  replayable: false,
  requests: () =>
    fc
      .record({
        ref: mostly(hex(64, 64)),
        name: mostly(fc.string({ minLength: 1, maxLength: 30 })),
        type: maybe(mostly(fc.constantFrom('image/png', 'text/plain'))),
        expires: maybe(mostly(fc.integer({ min: 0, max: 2 ** 40 }).map(String))),
        signature: maybe(mostly(hex(64, 64))),
        raw: fc.boolean(),
      })
      .map(({ ref, name, type, expires, signature, raw }) => {
        // Percent-encoded bytes (a lone surrogate becomes U+FFFD's, as any client's would); raw
        // leaves the percent signs of the value itself, so `%zz` and a truncated `%E0%A4` arrive.
        // Every byte but A-Z a-z 0-9 - _ . ~ encoded (encodeURIComponent spares ! ' ( ) * too).
        const segment = (v: unknown) => {
          // As a client would write the value: String() of it, or its JSON when String() throws
          // (an object whose `toString` or `valueOf` is not a function).
          let text: string;
          try {
            text = String(v);
          } catch {
            text = json(v);
          }
          const wellFormed = Buffer.from(text, 'utf8').toString('utf8');
          const encoded = encodeURIComponent(wellFormed).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
          return raw ? encoded.replaceAll('%25', '%') : encoded;
        };
        const query = form({ type, expires, signature });
        return { method: 'GET' as const, path: `/files/${segment(ref)}/${segment(name)}${query ? `?${query}` : ''}`, headers: {} };
      }),
};

export const FUZZ_ENDPOINTS: readonly FuzzEndpoint[] = [api, twilioInbound, twilioStatus, telegram, slackEvents, slackCommands, slackInteractions, files];
