/**
 * Sending through the real Twilio SDK: the client, the choice of sender, and the mapping of
 * the SDK's failures onto ChannelSendError.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { MessageInstance, MessageListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/message.js';
import { ChannelSendError } from '../../src/channels/contract.ts';
import { retryAfterMs } from '../../src/shared/http.ts';
import { twilioErrorReason } from './codes.ts';

/** The headers of the last error response within one `createTwilioMessage` call. */
interface CallHeaders {
  retryAfter?: string;
}
// The SDK's RestException keeps the status and body but drops the headers, so Retry-After is
// handed from the HTTP client to the caller through the async context of that one call
// (several sends run at once on one client).
const callHeaders = new AsyncLocalStorage<CallHeaders>();

/**
 * The SDK's own RequestClient (axios, form encoding, basic auth), sending to TWILIO_API_URL
 * instead of api.twilio.com. The SDK has no base-URL option; it builds absolute URIs on
 * api[.edge][.region].twilio.com and hands them to `httpClient.request`, so that is where the
 * host is swapped.
 */
class ApiUrlRequestClient extends twilio.RequestClient {
  readonly #apiUrl: string;

  constructor(apiUrl: string) {
    // No autoRetry: a 429 becomes a ChannelSendError and the core's pacing/backoff decides.
    super({ autoRetry: false, timeout: 15_000 });
    this.#apiUrl = apiUrl;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    const rebased = /^api(\.[a-z0-9-]+)*\.twilio\.com$/i.test(uri.hostname)
      ? `${this.#apiUrl}${uri.pathname}${uri.search}`
      : opts.uri;
    const response = await super.request({ ...opts, uri: rebased });
    const store = callHeaders.getStore();
    if (store && response.statusCode >= 400) {
      const retryAfter = (response.headers as Record<string, unknown> | undefined)?.['retry-after'];
      if (typeof retryAfter === 'string') store.retryAfter = retryAfter;
    }
    return response;
  }
}

export type TwilioClient = twilio.Twilio;

/** Builds the one SDK client all Twilio channels share. */
export function createTwilioClient(options: { accountSid: string; authToken: string; apiUrl: string }): TwilioClient {
  return twilio(options.accountSid, options.authToken, {
    httpClient: new ApiUrlRequestClient(options.apiUrl),
    // Given explicitly: left out, the SDK reads TWILIO_EDGE, TWILIO_REGION and
    // TWILIO_LOG_LEVEL itself, and adapters never read the environment.
    edge: '',
    region: '',
    logLevel: 'info',
  });
}

/** Creates a Message resource; throws ChannelSendError saying whether and when to retry. */
export async function createTwilioMessage(
  client: TwilioClient,
  params: MessageListInstanceCreateOptions,
  now: () => number,
): Promise<MessageInstance> {
  const headers: CallHeaders = {};
  try {
    return await callHeaders.run(headers, () => client.messages.create(params));
  } catch (error) {
    throw toChannelSendError(error, headers.retryAfter, now());
  }
}

/**
 * The recent outbound messages to one customer (from one of our senders, when given), as
 * Twilio lists them: most recent first, at most `limit`. No `DateSent` filter: a message still
 * in Twilio's queue has no `date_sent` yet, so such a filter would hide the very message an
 * unanswered send may have created. Throws ChannelSendError as a create does.
 */
export async function listTwilioMessages(
  client: TwilioClient,
  params: { to: string; from?: string },
  limit: number,
  now: () => number,
): Promise<MessageInstance[]> {
  const headers: CallHeaders = {};
  try {
    return await callHeaders.run(headers, () => client.messages.list({ ...params, pageSize: limit, limit }));
  } catch (error) {
    throw toChannelSendError(error, headers.retryAfter, now());
  }
}

// Node's codes for a connection that was never made: the request cannot have been read.
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Maps what the SDK throws. HTTP failures come as RestException (or, for RFC 9457 bodies,
 * TwilioServiceException), both with a numeric `status` and Twilio's `code`:
 * - 429 (20429) and 5xx were not processed and are safe to retry
 *   (https://www.twilio.com/docs/api/errors/20429);
 * - any other 4xx is a verdict on this message (21211 invalid number, 21610 opted out…).
 * Anything without a status never got an answer and is retried. A refused connection took
 * nothing; after a reset or a timeout the create may have been accepted (`outcomeUnknown`), so
 * the core asks Twilio for it (`findSent`) before creating it again.
 */
export function toChannelSendError(error: unknown, retryAfter: string | undefined, nowMs: number): ChannelSendError {
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number') {
    const code = (error as { code?: unknown }).code;
    return new ChannelSendError(`could not reach Twilio: ${(error as Error).message}`, {
      retryable: true,
      outcomeUnknown: !(typeof code === 'string' && NOT_CONNECTED.has(code)),
      cause: error,
    });
  }
  const rawCode = (error as { code?: unknown }).code;
  const code = typeof rawCode === 'number' || typeof rawCode === 'string' ? String(rawCode) : undefined;
  const retryable = status === 429 || status >= 500;
  // Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
  const wait = retryable ? retryAfterMs(retryAfter, nowMs) : undefined;
  const message = twilioErrorReason(code, (error as Error).message || `Twilio answered HTTP ${status}`);
  return new ChannelSendError(message, {
    retryable,
    rateLimited: status === 429,
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    ...(code ? { code } : {}),
    cause: error,
  });
}

/**
 * The sender a customer hears from, among several numbers: the same one every time, so the
 * conversation stays in one thread on their phone and their replies reach the same number.
 * Rendezvous hashing (the highest hash of number + customer wins) keeps it stable when a
 * number is added or removed: only the customers of that number move.
 */
export function stickySender(senders: readonly string[], customer: string): string {
  let best = senders[0]!;
  let bestScore = -1;
  for (const sender of senders) {
    const score = hash32(`${sender}|${customer}`);
    if (score > bestScore) {
      best = sender;
      bestScore = score;
    }
  }
  return best;
}

/**
 * 32-bit FNV-1a with MurmurHash3's final mix: the same on every instance, and well spread
 * even for numbers that differ in their last digit only (plain FNV-1a leaves the high bits,
 * which decide the comparison, nearly unchanged by the last bytes).
 */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
