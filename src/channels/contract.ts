/**
 * The channel contract: everything an adapter under channels/ may know about the core.
 *
 * An adapter turns what its platform delivers into normalised inbound events and sends an
 * agent's reply back out. It never touches the database, Slack or another channel; it is
 * handed a `Sink` that resolves once an inbound event is committed, so a webhook answers
 * only after commit.
 */

/** Channel names, used everywhere: API, logs, cards (product.md §2). */
export const CHANNEL_NAMES = ['api', 'sms', 'whatsapp', 'whatsapp-web', 'telegram', 'discord', 'email'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Identity kinds: SMS and both WhatsApp channels share `phone`, so one number is one contact. */
export const IDENTITY_KINDS = ['phone', 'email', 'telegram', 'discord', 'api'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export const IDENTITY_KIND_OF: Record<ChannelName, IdentityKind> = {
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

/** What parsing a platform payload yields: never a throw for an event we do not handle. */
export type InboundEvent = InboundMessage | InboundStatus | { kind: 'unsupported'; reason: string };

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
}

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
}

export interface SendResult {
  /** The platform's id for the sent message: stored as the message's `externalId`. */
  externalId: string;
  /** Where the platform says it is; `sent` unless it reports an earlier state. */
  state?: Extract<DeliveryState, 'queued' | 'sent' | 'delivered'>;
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
}

/**
 * A typed send failure: the core retries retryable ones after `retryAfterMs` or a backoff.
 * `rateLimited` means the platform refused for pace alone (HTTP 429) and processed nothing:
 * given a `retryAfterMs`, the core holds the sender back for it and puts the reply back in line
 * without counting an attempt or backing off (for up to an hour after the reply was written).
 */
export class ChannelSendError extends Error {
  override readonly name = 'ChannelSendError';
  readonly retryable: boolean;
  readonly rateLimited: boolean;
  readonly retryAfterMs: number | undefined;
  readonly code: string | undefined;
  constructor(message: string, options: { retryable: boolean; rateLimited?: boolean; retryAfterMs?: number; code?: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable || options.rateLimited === true;
    this.rateLimited = options.rateLimited === true;
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code;
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

/** A well-authenticated request whose content is wrong: answered 4xx with the message. */
export class ChannelInputError extends Error {
  override readonly name = 'ChannelInputError';
  readonly status: 400 | 413 | 415 | 422;
  readonly field: string | undefined;
  constructor(message: string, options: { status?: 400 | 413 | 415 | 422; field?: string } = {}) {
    super(message);
    this.status = options.status ?? 400;
    this.field = options.field;
  }
}

/** The minimal logger an adapter gets (pino-compatible). */
export interface ChannelLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Everything an adapter needs from its surroundings, passed in, never imported. */
export interface ChannelDeps {
  logger: ChannelLogger;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  now(): number;
  /** The public base URL of this server (for platform callbacks), when configured. */
  publicBaseUrl?: string;
  /** The outgoing HTTP client; tests leave it as the global fetch. */
  fetch: typeof fetch;
}

/** A route a push platform calls. Paths are absolute (`/webhooks/twilio`). */
export interface WebhookRoute {
  method: 'POST' | 'GET';
  path: string;
}

/**
 * A channel: a name, its limits and `send`, plus the way messages arrive, either
 * `handleWebhook` (push platforms, with the routes it answers) or `start` (connection
 * holders: long polling, gateways, IMAP IDLE, linked devices). What a platform cannot do is
 * absent, not a method that throws.
 */
export interface Channel {
  readonly name: ChannelName;
  readonly limits: ChannelLimits;
  /** Sends one reply; throws `ChannelSendError` saying whether and when to retry. */
  send(message: OutboundMessage): Promise<SendResult>;
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
  readonly webhooks?: readonly WebhookRoute[];
  /** Verifies, parses and hands a push delivery to the sink; answers after commit. */
  handleWebhook?(request: Request, sink: Sink): Promise<Response>;
  /**
   * Holds the platform connection until `signal` aborts. The core runs it on exactly one
   * instance at a time (a Postgres lock) and restarts it when it rejects.
   */
  start?(sink: Sink, signal: AbortSignal): Promise<void>;
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
  | { enabled: false; missing: string[] };

export interface ChannelConfigProblem {
  variable: string;
  message: string;
}

/** How one adapter folder plugs in: parse its settings, then build its channels. */
export interface ChannelModule<C> {
  /** Names of the channels this module can provide, for start-up reporting. */
  readonly names: readonly ChannelName[];
  /** Reads this module's variables from the environment record it is given. */
  settings(env: Readonly<Record<string, string | undefined>>): {
    settings: ChannelSettings<C>;
    problems: ChannelConfigProblem[];
  };
  /** Builds the channel(s) from complete settings. */
  create(config: C, deps: ChannelDeps): Channel[];
}
