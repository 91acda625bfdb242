/**
 * A Twilio emulator on 127.0.0.1: the Messages REST resource (basic auth, Twilio's validation
 * and error bodies, a per-sender send rate, injectable 429/5xx), media behind basic auth with
 * a CDN redirect, and signed webhooks and status callbacks towards the app. It records what
 * customers would see, so tests assert on that rather than on calls.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMedia, handleMedia } from './media.ts';
import { handleRest } from './rest.ts';
import { type EmulatedMessage, type EmulatorState, type Fault, newSid, type PostedWebhook, type RestCall, sendError } from './state.ts';
import {
  inboundMmsParams,
  inboundSmsParams,
  inboundWhatsAppParams,
  type MediaInput,
  postWebhook,
  type PostOptions,
  statusCallbackParams,
  twilioSignature,
  type WebhookParams,
} from './webhooks.ts';

export type { EmulatedMessage, Fault, MediaInput, PostedWebhook, PostOptions, RestCall, WebhookParams };
export { twilioSignature };

export interface TwilioEmulatorOptions {
  accountSid?: string;
  authToken?: string;
  /** Messages per second each sender may send before 429 (default 1, a US long code). */
  sendsPerSecond?: number;
  /** Senders the account owns (`+1…`, `whatsapp:+1…`); when given, other From values are refused. */
  senders?: string[];
  /** Messaging Services and their sender pools. */
  messagingServices?: Record<string, string[]>;
  /** Post `sent` then `delivered` to each new message's StatusCallback (default true). */
  autoStatus?: boolean;
  /** Where a webhook signed over a public URL is actually sent (default: the URL itself). */
  route?: (publicUrl: string) => string;
  now?: () => number;
}

export interface TwilioEmulator {
  /** The REST base to give the app as TWILIO_API_URL. */
  readonly url: string;
  readonly accountSid: string;
  readonly authToken: string;
  /** Every message accepted, in order: what customers would see. */
  readonly messages: readonly EmulatedMessage[];
  /** Every REST call, including refused ones, with the HTTP status answered. */
  readonly calls: readonly RestCall[];
  /** Every webhook and status callback posted to the app, with its answer. */
  readonly posted: readonly PostedWebhook[];
  /** Every media fetch: path, whether it carried the account's credentials, status. */
  readonly mediaFetches: readonly { path: string; authorized: boolean; status: number }[];
  /** The messages one customer received (E.164, with or without `whatsapp:`). */
  outbox(to: string): EmulatedMessage[];
  /** Answers the next `count` REST calls with this failure. */
  failNext(count: number, fault: Fault): void;
  /** Answers every REST call with this failure for `ms` milliseconds. */
  failFor(ms: number, fault: Fault): void;
  /** Closes the connections of requests left unanswered by a `hang` fault. */
  releaseHung(): void;
  setSendRate(perSecond: number): void;
  /** Makes message creation to this number fail with a Twilio code (21211, 21610, 21614…). */
  refuseRecipient(number: string, code: number): void;
  /** Accepts messages to this number, then reports them undelivered/failed by status callback. */
  failDelivery(number: string, failure: { status: 'undelivered' | 'failed'; code: number }): void;
  /** Stores a file as incoming media and returns its MediaUrl. */
  addMedia(media: MediaInput, messageSid?: string): string;
  inboundSms(input: Parameters<typeof inboundSmsParams>[1]): WebhookParams;
  inboundMms(input: Parameters<typeof inboundMmsParams>[1]): WebhookParams;
  inboundWhatsApp(input: Parameters<typeof inboundWhatsAppParams>[1]): WebhookParams;
  statusCallback(input: Parameters<typeof statusCallbackParams>[1]): WebhookParams;
  /** The X-Twilio-Signature Twilio would send for these parameters at this URL. */
  sign(url: string, params: WebhookParams, authToken?: string): string;
  /** Posts a webhook signed over `url` (the app's public URL); options forge or tamper. */
  post(url: string, params: WebhookParams, options?: PostOptions): Promise<Response>;
  /** Waits until the automatic status callbacks scheduled so far have been posted. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the emulator on 127.0.0.1 on a free port. */
export async function startTwilioEmulator(options: TwilioEmulatorOptions = {}): Promise<TwilioEmulator> {
  const state: EmulatorState = {
    accountSid: options.accountSid ?? newSid('AC'),
    authToken: options.authToken ?? randomBytes(16).toString('hex'),
    baseUrl: '',
    now: options.now ?? Date.now,
    sendsPerSecond: options.sendsPerSecond ?? 1,
    senders: new Set(options.senders ?? []),
    messagingServices: new Map(Object.entries(options.messagingServices ?? {})),
    messages: [],
    calls: [],
    faults: { next: [] },
    buckets: new Map(),
    refusedRecipients: new Map(),
    failingDeliveries: new Map(),
    media: new Map(),
    cdnTokens: new Map(),
    mediaFetches: [],
    posted: [],
    autoStatus: options.autoStatus ?? true,
    route: options.route ?? ((url) => url),
    pending: new Set(),
    hung: new Set(),
  };

  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (handleMedia(req, res, state)) return;
        if (await handleRest(req, res, state)) return;
        sendError(res, 404, 20404, `The requested resource ${req.url} was not found`);
      } catch (error) {
        if (!res.headersSent) sendError(res, 500, 20500, `emulator error: ${(error as Error).message}`);
        else res.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const store = (messageSid: string, media: MediaInput) => addMedia(state, messageSid, media);

  return {
    url: state.baseUrl,
    accountSid: state.accountSid,
    authToken: state.authToken,
    messages: state.messages,
    calls: state.calls,
    posted: state.posted,
    mediaFetches: state.mediaFetches,
    outbox: (to) => state.messages.filter((m) => m.to.replace(/^whatsapp:/i, '') === to.replace(/^whatsapp:/i, '')),
    failNext: (count, fault) => state.faults.next.push(...Array.from({ length: count }, () => fault)),
    failFor: (ms, fault) => {
      state.faults.until = { at: state.now() + ms, fault };
    },
    releaseHung: () => {
      for (const res of state.hung) res.socket?.destroy();
      state.hung.clear();
    },
    setSendRate: (perSecond) => {
      state.sendsPerSecond = perSecond;
    },
    refuseRecipient: (number, code) => state.refusedRecipients.set(number, code),
    failDelivery: (number, failure) => state.failingDeliveries.set(number, failure),
    addMedia: (media, messageSid = newSid('MM')) => store(messageSid, media),
    inboundSms: (input) => inboundSmsParams(state, input),
    inboundMms: (input) => inboundMmsParams(state, input, store),
    inboundWhatsApp: (input) => inboundWhatsAppParams(state, input, store),
    statusCallback: (input) => statusCallbackParams(state, input),
    sign: (url, params, authToken = state.authToken) => twilioSignature(authToken, url, params),
    post: (url, params, postOptions) => postWebhook(state, url, params, postOptions),
    settle: async () => {
      while (state.pending.size) await Promise.allSettled([...state.pending]);
    },
    close: async () => {
      while (state.pending.size) await Promise.allSettled([...state.pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
