/**
 * startSlackEmulator: the workspace, the Web API, signed inbound traffic and Socket Mode
 * behind one object a test drives and asserts on.
 */
import { echoBotMessages, type Echo, type EchoTarget } from './echoes.ts';
import { applyMessageResponse, applyViewSubmissionResponse, commandAckBody } from './effects.ts';
import { eventCallback, urlVerification, userDeletes, userEdits, userOpensHome, userPosts, userUploads } from './events.ts';
import { createFaults, createLatencyStats, type FaultKind } from './faults.ts';
import { deliverCommand, deliverEvent, deliverInteraction, type DeliveryOptions, type EventDeliveryOptions, type HttpDelivery } from './inbound-http.ts';
import {
  blockActions,
  blockSuggestion,
  issueTrigger,
  messageShortcut,
  rememberSuggestions,
  slashCommand,
  viewSubmission,
  type ActionInput,
  type CommandInput,
  type ShortcutInput,
  type SubmissionInput,
  type SuggestionInput,
} from './interactive.ts';
import { findMessage, threadOf, topLevel } from './messages.ts';
import type { MethodEnv } from './methods/index.ts';
import { createRateLimiter } from './rate-limit.ts';
import { listen } from './server.ts';
import { createSocketMode, type EnvelopeType, type SendOptions } from './socket-mode.ts';
import { addChannel, addUser, createWorkspace, resolveChannel } from './workspace.ts';
import type { Json, RateLimitHit, RecordedCall, ResponseUrlPost, SlackEmulatorOptions } from './types.ts';

/** Starts the emulator on 127.0.0.1 (a free port). Point the WebClient's `slackApiUrl` at `url`. */
export async function startSlackEmulator(options: SlackEmulatorOptions = {}) {
  const ws = createWorkspace(options);
  const limiter = createRateLimiter(options.rateLimits);
  const faults = createFaults();
  const latency = createLatencyStats();
  const calls: RecordedCall[] = [];
  const rateLimited: RateLimitHit[] = [];
  const responses: ResponseUrlPost[] = [];
  const echoes: Echo[] = [];
  const socket = createSocketMode(ws);
  let delayMs = options.latencyMs ?? 0;
  const env: MethodEnv = { ws, base: '', wsBase: '', uploads: new Map() };
  const routes = {
    api: { env, limiter, faults, latency, calls, rateLimited, delayMs: () => delayMs },
    files: { ws, uploads: env.uploads, faults, calls, responses },
    socket,
  };
  const { server, base, wsBase } = await listen(() => routes);
  env.base = base;
  env.wsBase = wsBase;
  const secret = ws.tokens.signingSecret;
  const channelId = (ref: string) => resolveChannel(ws, ref)?.id ?? ref;
  const asEnvelope = (event: Json) => (event.type === 'event_callback' || event.type === 'url_verification' ? event : eventCallback(ws, event));

  return {
    /** Base of the Web API, ending in /api/: the WebClient's `slackApiUrl`. */
    url: `${base}api/`,
    /** http://127.0.0.1:PORT/ */
    baseUrl: base,
    botToken: ws.tokens.bot,
    appToken: ws.tokens.app,
    signingSecret: secret,
    teamId: ws.team.id,
    appId: ws.app.id,
    botUserId: ws.app.botUserId,
    botId: ws.app.botId,

    /** Every Web API call (and upload), in order, with its answer. */
    calls,
    callsTo: (method: string) => calls.filter((c) => c.method === method),
    /** Every 429 answered. */
    rateLimited,
    /** Top-level messages of a channel (id or name), oldest first. */
    messages: (channel: string) => structuredClone(topLevel(ws, channelId(channel))),
    /** A thread: the parent, then its replies in order. */
    thread: (channel: string, ts: string) => structuredClone(threadOf(ws, channelId(channel), ts)),
    message: (channel: string, ts: string) => structuredClone(findMessage(ws, channelId(channel), ts)),
    /** Ephemeral messages, optionally only those `user` saw. */
    ephemerals: (user?: string) => structuredClone(ws.ephemerals.filter((e) => !user || e.user === user)),
    /** Modals opened (open or since closed), optionally only `user`'s. */
    views: (user?: string) => structuredClone([...ws.views.values()].filter((v) => !user || v.user === user)),
    /** The App Home view published for `user`. */
    homeView: (user: string) => structuredClone(ws.homes.get(user)),
    /** Posts the app made to response_urls. */
    responses,
    /** The bytes of an uploaded file. */
    fileContent: (fileId: string) => ws.files.get(fileId)?.bytes,
    /** The emulator's own processing time per Web API call. */
    get latency() {
      return latency.summary();
    },

    addChannel: (config: Parameters<typeof addChannel>[1]) => addChannel(ws, config),
    addUser: (config: Parameters<typeof addUser>[1]) => addUser(ws, config),
    /** The next `count` calls of `method` ('*' for all) fail with `kind` (HTTP status or 'reset'). */
    failNext: (method: string, count = 1, kind: FaultKind = 500, retryAfterSeconds?: number) => faults.failNext(method, count, kind, retryAfterSeconds),
    /** Every call of `method` fails for `ms`. */
    failFor: (method: string, ms: number, kind: FaultKind = 503, retryAfterSeconds?: number) => faults.failFor(method, ms, kind, retryAfterSeconds),
    clearFaults: () => faults.clear(),
    /** The bot token's scopes from now on (a reinstall with fewer or more). */
    setScopes: (scopes: string[]) => {
      ws.scopes = new Set(scopes);
    },
    /** `user` goes away (or comes back: 'active'), as users.getPresence reports it. */
    setPresence: (user: string, presence: 'active' | 'away') => {
      ws.presence.set(user, { ...ws.presence.get(user), presence });
    },
    /** `user`'s Do Not Disturb window (Unix seconds), as dnd.info reports it; null: none. */
    setDnd: (user: string, dnd: { startTs: number; endTs: number } | null) => {
      const current = ws.presence.get(user) ?? { presence: 'active' as const };
      ws.presence.set(user, { presence: current.presence, ...(dnd ? { dnd: { enabled: true, ...dnd } } : {}) });
    },
    setLatency: (ms: number) => {
      delayMs = ms;
    },
    setRateLimits: (next: SlackEmulatorOptions['rateLimits']) => limiter.configure(next),
    resetLatencyStats: () => latency.reset(),

    userPosts: (post: Parameters<typeof userPosts>[1]) => userPosts(ws, post),
    userEdits: (edit: Parameters<typeof userEdits>[1]) => userEdits(ws, edit),
    userDeletes: (target: Parameters<typeof userDeletes>[1]) => userDeletes(ws, target),
    userUploads: (upload: Parameters<typeof userUploads>[2]) => userUploads(ws, base, upload),
    userOpensHome: (user: string, tab?: 'home' | 'messages') => userOpensHome(ws, user, tab),
    eventCallback: (event: Json) => eventCallback(ws, event),
    urlVerification: () => urlVerification(ws),
    slashCommand: (input: CommandInput) => slashCommand(ws, base, input),
    blockActions: (input: ActionInput) => blockActions(ws, base, input),
    viewSubmission: (input: SubmissionInput) => viewSubmission(ws, input),
    /** Someone typing into an external_select of an open modal: the options request. */
    blockSuggestion: (input: SuggestionInput) => blockSuggestion(ws, input),
    /** A message shortcut used on a message (a thread reply or a card). */
    messageShortcut: (input: ShortcutInput) => messageShortcut(ws, base, input),
    newTriggerId: (user: string) => issueTrigger(ws, user),
    /** Deliver a `message` event for each of the app's own posts, as Slack does (off by default). */
    echoBotMessages: (target: EchoTarget) => echoBotMessages(ws, socket, target, echoes),
    /** Echo events sent so far, with their delivery outcome. */
    echoes,

    /** Signed deliveries to the app's HTTP endpoint, as Slack makes them. */
    http: {
      /** An event (wrapped in event_callback unless already an envelope). */
      event: (url: string, event: Json, opts?: EventDeliveryOptions) => deliverEvent(url, secret, asEnvelope(event), opts),
      urlVerification: async (url: string, opts?: DeliveryOptions) => {
        const payload = urlVerification(ws);
        return { ...(await deliverEvent(url, secret, payload, opts)), challenge: String(payload.challenge) };
      },
      /** A slash command; the acknowledgement body is shown as Slack shows it (ephemeral unless in_channel). */
      command: async (url: string, fields: Record<string, string>, opts?: DeliveryOptions): Promise<HttpDelivery> => {
        const result = await deliverCommand(url, secret, fields, opts);
        const body = result.status === 200 ? commandAckBody(result.headers['content-type'], result.body) : undefined;
        if (body) applyMessageResponse(ws, { origin: 'command', user: fields.user_id ?? '', channel: fields.channel_id ?? '' }, body, 'command_response');
        return result;
      },
      /** An interaction; a view_submission's answer (response_action) is applied to the modal. */
      interaction: async (url: string, payload: Json, opts?: DeliveryOptions): Promise<HttpDelivery> => {
        const result = await deliverInteraction(url, secret, payload, opts);
        if (payload.type === 'view_submission' && result.status === 200) {
          applyViewSubmissionResponse(ws, String((payload.view as Json).id), result.json as Json | undefined);
        }
        // The options load answer is what the menu then offers.
        if (payload.type === 'block_suggestion' && result.status === 200) rememberSuggestions(ws, payload, result.json as Json | undefined);
        return result;
      },
    },

    /** Socket Mode: envelopes to the connected app, resolved with its ack. */
    socket: {
      events: (event: Json, opts?: SendOptions) => socket.send('events_api', asEnvelope(event), opts),
      command: (fields: Record<string, string>, opts?: SendOptions) => socket.send('slash_commands', fields, opts),
      interaction: (payload: Json, opts?: SendOptions) => socket.send('interactive', payload, opts),
      send: (type: EnvelopeType, payload: Json, opts?: SendOptions) => socket.send(type, payload, opts),
      acks: socket.acks,
      strays: socket.strays,
      get connections() {
        return socket.connections;
      },
      /** Pings received from clients. */
      get pings() {
        return socket.pings;
      },
      setAnswerPings: socket.setAnswerPings,
      waitForConnections: socket.waitForConnections,
      disconnect: socket.disconnect,
      terminate: socket.terminate,
    },

    async close(): Promise<void> {
      await socket.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type SlackEmulator = Awaited<ReturnType<typeof startSlackEmulator>>;
