import type { IdentityKind } from '../shared/address.ts';
import type { EnvReader } from '../shared/env.ts';

/**
 * The channel contract: everything an adapter under channels/ may know about the core.
 *
 * An adapter turns what its platform delivers into normalised inbound events and sends an
 * agent's reply back out. It never touches the database, Slack or another channel; it is
 * handed a `Sink` that resolves once an inbound event is committed, so a webhook answers
 * only after commit.
 */

/** The platforms' channel names (product.md §2), as they appear in the API, logs and cards. */
export const CHANNEL_NAMES = ['api', 'sms', 'whatsapp', 'whatsapp-web', 'telegram', 'discord', 'email'] as const;
export type KnownChannelName = (typeof CHANNEL_NAMES)[number];
/**
 * A channel's name. Names belong to the modules that provide them (a module can bring a channel
 * the core has never heard of, as the test fakes do): lower-case letters, digits and hyphens.
 */
export type ChannelName = KnownChannelName | (string & {});

// Identity kinds (SMS and both WhatsApp channels share `phone`, so one number is one contact)
// live with the address rules in src/shared, which know nothing of this contract.
export { IDENTITY_KINDS, type IdentityKind } from '../shared/address.ts';

/** The identity kind of each platform channel; a module's own channel declares its `identityKind`. */
export const IDENTITY_KIND_OF: Record<KnownChannelName, IdentityKind> = {
  api: 'api',
  sms: 'phone',
  whatsapp: 'phone',
  'whatsapp-web': 'phone',
  telegram: 'telegram',
  discord: 'discord',
  email: 'email',
};

/** Outbound delivery states; a platform's intermediate states map onto these. */
export const DELIVERY_STATES = ['queued', 'sent', 'delivered', 'read', 'undelivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** A file the customer sent, as the adapter downloaded it. The core stores it by content hash. */
export interface InboundAttachment {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/** One customer message, normalised. */
export interface InboundMessage {
  kind: 'message';
  channel: ChannelName;
  /** The platform's own message id, unique per channel: the idempotency key. */
  externalId: string;
  /** The sender's address as the platform gives it (the core normalises phone and email). */
  from: string;
  /** The sender's display name, when the platform tells it. */
  name?: string;
  /** The conversation key: the sender's address for SMS/WhatsApp, the chat id for Telegram, … */
  conversation: string;
  text: string;
  attachments: InboundAttachment[];
  /** When the platform received it; defaults to the time of ingest. */
  receivedAt?: Date;
  /** Consent keywords the platform reports (SMS STOP/START): recorded on the identity. */
  consent?: 'opt-out' | 'opt-in';
  /** A subject line, for platforms that have one (email). */
  subject?: string;
  /**
   * Which of our own addresses received it (the Twilio number, the mailbox), when we have
   * several: replies on the ticket leave from the same one.
   */
  recipient?: string;
  /**
   * Platform ids this message answers (email `In-Reply-To` then `References`: Message-IDs we
   * sent or the customer sent before). Intake joins the ticket they belong to, before it looks
   * at the conversation key, when that ticket is the sender's.
   */
  references?: string[];
  /**
   * A ticket number the customer named (a `[#12]` subject token). Honoured only when the
   * sender is that ticket's contact on this channel: a stranger's `[#12]` opens their own.
   */
  ticketHint?: number;
  /**
   * Other people the customer wrote to (email To/Cc, our own addresses left out): kept on the
   * ticket and copied on its replies.
   */
  cc?: string[];
  /** The message exactly as the platform delivered it (an email's source), kept for the agents. */
  original?: InboundAttachment;
  /**
   * Whose identity `from` is when it is not the channel's kind: a WhatsApp privacy id
   * (`whatsapp-lid`) for a sender whose phone number WhatsApp does not reveal.
   */
  identityKind?: IdentityKind;
  /**
   * The customer's language where the platform tells it (BCP 47: Telegram's `language_code`, an
   * email's Content-Language): what Switchboard says by itself (acknowledgement, survey) speaks it.
   */
  language?: string;
}

/**
 * The customer changed a message they sent (Telegram `edited_message`, a Discord message
 * update). The core keeps the original, records the edit and updates the thread in place.
 */
export interface InboundEdit {
  kind: 'edit';
  channel: ChannelName;
  /** The platform id of the message that changed. */
  externalId: string;
  /** Its text now. */
  text: string;
  /** Tells repeats of the same edit apart from a second edit (Telegram's `edit_date`). */
  revision?: string;
  at?: Date;
}

/** The customer deleted (revoked) a message they sent (Discord delete, WhatsApp revoke). */
export interface InboundDeletion {
  kind: 'deletion';
  channel: ChannelName;
  externalId: string;
  at?: Date;
}

/** A delivery report for a message we sent, keyed by the platform's id for it. */
export interface InboundStatus {
  kind: 'status';
  channel: ChannelName;
  externalId: string;
  state: DeliveryState;
  /** The platform's error code and a reason in words, for `undelivered` and `failed`. */
  error?: { code?: string; reason: string };
  at?: Date;
}

/**
 * The customer pressed one of the buttons a message offered (`OutboundMessage.choices`): a
 * Telegram inline keyboard button (callback_query), a Discord button (an interaction).
 */
export interface InboundChoice {
  kind: 'choice';
  channel: ChannelName;
  /** The platform's id of this press (the callback query's, the interaction's): a redelivery repeats it. */
  externalId: string;
  /** Who pressed it, as `InboundMessage.from`. */
  from: string;
  conversation: string;
  /** The value of the choice, as the core sent it. */
  value: string;
  language?: string;
  at?: Date;
}

/** What parsing a platform payload yields: never a throw for an event we do not handle. */
/** A payload the adapter recognised as not for us (a kind we do not handle): answered, not stored. */
export interface Unsupported {
  kind: 'unsupported';
  reason: string;
}

export type InboundEvent = InboundMessage | InboundStatus | InboundEdit | InboundDeletion | InboundChoice | Unsupported;

/** The committed result of one inbound message. */
export interface IngestResult {
  ticket: number;
  message: string;
  duplicate: boolean;
}

/**
 * Where an adapter hands what it received. Each call resolves after the transaction that
 * stores it has committed, and rejects when it could not be stored (the adapter then answers
 * with an error the platform will retry).
 */
export interface Sink {
  message(message: InboundMessage): Promise<IngestResult>;
  status(status: InboundStatus): Promise<{ updated: boolean }>;
  edit(edit: InboundEdit): Promise<RevisionResult>;
  deletion(deletion: InboundDeletion): Promise<RevisionResult>;
  choice(choice: InboundChoice): Promise<ChoiceResult>;
}

/**
 * What a press of a button did: `recorded`, `duplicate` (already taken: a redelivery, or a second
 * press), or `unknown` (nothing of ours, or not this person's). `reply` is a short line for the
 * platform to show the customer where it answers a press natively (Telegram's notification, the
 * Discord message updated).
 */
export interface ChoiceResult {
  outcome: 'recorded' | 'duplicate' | 'unknown';
  ticket?: number;
  reply?: string;
}

/**
 * What an edit or deletion did: applied, a repeat of one already applied, or `unknown` when no
 * customer message has that platform id (nothing stored, nothing for the platform to retry).
 */
export type RevisionResult = { outcome: 'applied' | 'duplicate'; ticket: number; message: string } | { outcome: 'unknown' };

/** A stored file to relay to the customer. */
export interface OutboundAttachment {
  name: string;
  contentType: string;
  size: number;
  /** A URL the platform can fetch it from, when the core serves files publicly. */
  url?: string;
  read(): Promise<Uint8Array>;
}

/** An agent's reply, ready to leave through the channel. */
export interface OutboundMessage {
  /** Our message id: stable across retries, usable as an idempotency key. */
  id: string;
  ticket: number;
  /** The customer's address on this channel (the identity address). */
  to: string;
  conversation: string;
  /** Our address the customer wrote to (InboundMessage.recipient), when known. */
  recipient?: string;
  text: string;
  attachments: OutboundAttachment[];
  /** The ticket's subject, for platforms that show one (email: `Re: <subject> [#N]`). */
  subject?: string;
  /** The platform id of the customer's latest message: what this reply answers. */
  inReplyTo?: string;
  /** Platform ids of the conversation so far, oldest first (email `References`). */
  references: string[];
  /** The people the customer copied, to copy on the reply (email Cc). */
  cc?: string[];
  /**
   * Answers to pick from (a satisfaction score): a channel with `limits.maxChoices` shows them as
   * its own buttons and reports a press as an `InboundChoice`; other channels leave them out, and
   * the text says how to answer without them.
   */
  choices?: OutboundChoice[];
}

/** One button of an outbound message: what it says, and the value a press reports. */
export interface OutboundChoice {
  /** At most 64 bytes (Telegram's callback_data; Discord's custom_id takes 100). */
  value: string;
  label: string;
}

export interface SendResult {
  /** The platform's id for the sent message: stored as the message's `externalId`. */
  externalId: string;
  /** Where the platform says it is; `sent` unless it reports an earlier state. */
  state?: Extract<DeliveryState, 'queued' | 'sent' | 'delivered'>;
  /**
   * The ticket's conversation key from now on, when sending moved it (Discord: the first reply
   * to a support-channel message opens a thread, where the conversation continues).
   */
  conversation?: string;
}

/** What a channel can carry; the core enforces these before calling `send`. */
export interface ChannelLimits {
  /** Longest text one send carries; longer replies are refused before sending. */
  maxTextLength: number;
  /** Largest attachment in bytes; 0 when the channel carries none. */
  maxAttachmentBytes: number;
  /**
   * Sends per second the platform allows per pacing key (see `pacingKey`). The core paces
   * sends across all instances so the platform never has to answer 429.
   */
  sendsPerSecond?: number;
  /**
   * How long after the customer's last message a free-form reply is still allowed
   * (WhatsApp's 24-hour customer service window). Outside it the core does not call `send`
   * (it calls `sendOutsideReplyWindow` when the channel has one).
   */
  replyWindowMs?: number;
  /**
   * How many of `OutboundMessage.choices` one message can show as buttons. Absent: the channel
   * has none, and the core words the message so the customer answers by writing.
   */
  maxChoices?: number;
}

/**
 * A typed send failure: the core retries retryable ones after `retryAfterMs` or a backoff.
 * `rateLimited` means the platform refused for pace alone (HTTP 429) and processed nothing:
 * given a `retryAfterMs`, the core holds the sender back for it and puts the reply back in line
 * without counting an attempt or backing off (for up to an hour after the reply was written).
 * `outcomeUnknown` means no answer came after the request may have been written (a timeout, a
 * connection reset): the platform may have the message, so before sending again the core asks
 * it (`Channel.findSent`) where it can. Left out, the platform's answer said nothing was taken.
 */
export class ChannelSendError extends Error {
  override readonly name = 'ChannelSendError';
  readonly retryable: boolean;
  readonly rateLimited: boolean;
  readonly retryAfterMs: number | undefined;
  readonly code: string | undefined;
  readonly outcomeUnknown: boolean;
  constructor(
    message: string,
    options: { retryable: boolean; rateLimited?: boolean; retryAfterMs?: number; code?: string; outcomeUnknown?: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable || options.rateLimited === true;
    this.rateLimited = options.rateLimited === true;
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code;
    this.outcomeUnknown = options.outcomeUnknown === true;
  }
}

/** A request that failed authentication (bad signature, token or secret). Answered 401/403. */
export class ChannelAuthError extends Error {
  override readonly name = 'ChannelAuthError';
  readonly status: 401 | 403;
  constructor(message: string, status: 401 | 403 = 401) {
    super(message);
    this.status = status;
  }
}

// Thrown by the shared body readers too, so it lives in src/shared; adapters import it from here.
export { ChannelInputError } from '../shared/http.ts';

/** The minimal logger an adapter gets (pino-compatible). */
export interface ChannelLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * A module's own small store in Postgres (a polling offset, a session, a mailbox's UIDVALIDITY),
 * so a connection resumes where it stopped, on whichever instance holds it next. Values are
 * JSON. While a connection is held, writes are fenced: an instance that has lost the hold can
 * no longer write (`set` throws `ChannelStateFencedError`), so a stale holder cannot rewind
 * what the new one stored.
 */
export interface ChannelStateStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /**
   * `anyInstance`: bookkeeping that every instance may write, unfenced (which parts of a split
   * reply are out), as opposed to the connection's own position (an offset), which only its
   * holder may move.
   */
  set(key: string, value: unknown, options?: { anyInstance?: boolean }): Promise<void>;
  delete(key: string, options?: { anyInstance?: boolean }): Promise<void>;
}

/** A write refused because another instance holds the connection now. */
export class ChannelStateFencedError extends Error {
  override readonly name = 'ChannelStateFencedError';
}

/**
 * How a connection is doing, as its holder reports it. The core keeps the latest for
 * `/ticket channels` and tells operators in Slack (once per incident, and once more when it
 * recovers) when a person has to act: a login QR code to scan, a session the platform ended,
 * a token it refused, or reconnecting for more than a minute.
 */
export type ConnectionCondition =
  | { state: 'connected'; detail?: string }
  | { state: 'connecting'; detail?: string }
  /**
   * `announce`: tell operators now instead of after a minute: the platform itself ended the
   * session (WhatsApp's `disconnected`), which is news even when the reconnect is quick.
   */
  | { state: 'reconnecting'; reason: string; announce?: boolean }
  /** A login is needed: `qr` is what to scan (its text, and a PNG to show when the adapter has one). */
  | { state: 'login-required'; qr: { text: string; png?: Uint8Array } }
  | { state: 'session-lost'; reason: string }
  | { state: 'token-refused'; reason: string };

/** Everything an adapter needs from its surroundings, passed in, never imported. */
export interface ChannelDeps {
  logger: ChannelLogger;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  now(): number;
  /** The public base URL of this server (for platform callbacks), when configured. */
  publicBaseUrl?: string;
  /** The outgoing HTTP client; tests leave it as the global fetch. */
  fetch: typeof fetch;
  /** This module's state in Postgres. */
  state: ChannelStateStore;
  /** Reports the connection's condition (connection holders; webhook modules need not). */
  report(condition: ConnectionCondition): void;
}

/** A route a push platform calls. Paths are absolute (`/webhooks/twilio`). */
export interface WebhookRoute {
  method: 'POST' | 'GET';
  path: string;
}

/**
 * A channel's send side: a name, its limits and `send`. What a platform cannot do is absent,
 * not a method that throws. How messages arrive is the module's (`ChannelInbound`).
 */
export interface Channel {
  readonly name: ChannelName;
  /** Whose identities its customers have; defaults to the platform's (IDENTITY_KIND_OF). */
  readonly identityKind?: IdentityKind;
  readonly limits: ChannelLimits;
  /**
   * The client `send` needs exists only where the module's connection is held (a linked
   * device, a gateway session): the core runs this channel's deliveries on that instance only.
   */
  readonly sendsThroughConnection?: boolean;
  /** Sends one reply; throws `ChannelSendError` saying whether and when to retry. */
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * Asks the platform which messages it holds that an earlier send of this reply may have
   * become: to the same recipient, with the same content, created at or after `since`, oldest
   * first. The core calls it before sending a reply again whose earlier send got
   * no answer (the worker died, a timeout, a connection broken after the request was written),
   * and records the oldest one not already recorded for another message instead of sending.
   * Throws `ChannelSendError` (retryable) when the platform cannot be asked: the core then
   * waits and asks again rather than send blind. Absent: the platform cannot be asked, and such
   * a reply is sent again (at least once; the API channel's receiver drops a repeated `id`).
   */
  findSent?(message: OutboundMessage, since: Date): Promise<SendResult[]>;
  /**
   * Which sender a reply leaves from, for pacing (`limits.sendsPerSecond` per key) and so a
   * customer always hears from the same number. Defaults to one key for the channel.
   */
  pacingKey?(message: Pick<OutboundMessage, 'to' | 'conversation' | 'recipient'>): string;
  /**
   * A line the agent should see about a reply as it is sent, where the platform makes it
   * matter (an SMS reply costing several segments). Absent or undefined: nothing to say.
   */
  replyNotice?(text: string): string | undefined;
  /**
   * Outside `limits.replyWindowMs`, sends the one thing the platform still allows: a
   * pre-approved message inviting the customer to write back (a WhatsApp template), so the
   * window reopens when they do. The core offers it to the agent when a reply is refused for
   * the window, and calls this when the agent asks for it. Absent when nothing can be sent.
   */
  sendOutsideReplyWindow?(message: OutboundMessage): Promise<SendResult>;
}

/** Push platforms: the routes they call, and one handler that verifies, parses and answers after commit. */
export interface WebhookInbound {
  kind: 'webhooks';
  routes: readonly WebhookRoute[];
  handle(request: Request, sink: Sink): Promise<Response>;
}

/**
 * Connection holders (long polling, gateways, IMAP IDLE, linked devices): `start` holds the
 * connection until `signal` aborts. The core runs it on exactly one instance at a time and
 * restarts it, with backoff, when it rejects.
 */
export interface ConnectionInbound {
  kind: 'connection';
  start(sink: Sink, signal: AbortSignal): Promise<void>;
}

export type ChannelInbound = WebhookInbound | ConnectionInbound;

/** What a module builds from its settings: its channels, and exactly one way in. */
export interface ChannelSet {
  channels: Channel[];
  inbound: ChannelInbound;
}

/**
 * A channel's configuration, parsed from the environment by the core (nothing under
 * channels/ reads `process.env`): either complete, or off with the variables it lacks.
 * Present-but-invalid values are problems reported at start-up, naming the variable.
 */
export type ChannelSettings<C> =
  | {
      enabled: true;
      config: C;
      /** Channels of this module left off although the module is on, with what they lack. */
      off?: { channel: ChannelName; missing: string[] }[];
    }
  /** Off: the variables it lacks, and in words why when that is not the whole story (no Chromium found). */
  | { enabled: false; missing: string[]; reason?: string };

/** How one adapter folder plugs in: parse its settings, then build its channels and its way in. */
export interface ChannelModule<C> {
  /** The module's name: its connection lock, its state and its notices are keyed by it. */
  readonly name: string;
  /** Names of the channels this module can provide, for start-up reporting. */
  readonly names: readonly ChannelName[];
  /**
   * How its messages arrive: `create` returns an inbound of this kind. A module that can do
   * either (Telegram: a webhook with a public URL, long polling without) says which per config.
   */
  inbound(config: C): ChannelInbound['kind'];
  /** Reads this module's variables; problems are recorded on the reader, naming the variable. */
  settings(env: EnvReader): ChannelSettings<C>;
  /** Builds the channel(s) and the way in from complete settings. */
  create(config: C, deps: ChannelDeps): ChannelSet;
}
