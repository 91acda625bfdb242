/**
 * What the Twilio emulator knows and records, shared by its REST, media and webhook parts.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A message the emulator accepted: what the customer would see on their phone. */
export interface EmulatedMessage {
  sid: string;
  from: string | null;
  to: string;
  body: string;
  mediaUrls: string[];
  statusCallback?: string;
  messagingServiceSid?: string;
  contentSid?: string;
  contentVariables?: string;
  status: string;
  numSegments: number;
  dateCreated: Date;
  /** When it left for the carrier (the `sent` report); null while queued, as Twilio's `date_sent`. */
  dateSent: Date | null;
}

/** One call to the REST API, whatever came of it. */
export interface RestCall {
  method: string;
  path: string;
  params: Record<string, string[]>;
  /** The HTTP status answered; for a dropped call (Fault `drop`), what it would have been. */
  status: number;
  code?: number;
  /** Processed, but the connection was closed instead of answering. */
  dropped?: boolean;
}

/**
 * A canned failure the REST API answers instead of processing the request; or no answer at all:
 * `drop: 'before'` closes the connection without processing the request (lost on the way in),
 * `drop: 'after'` processes it (a message is created) and then closes the connection instead
 * of answering (the answer lost on the way out), `hang` processes it and never answers (until
 * `releaseHung`), as a platform stalling past the client's timeout.
 */
export type Fault =
  | { status: 429 | 500 | 503; code?: number; message?: string; retryAfterSeconds?: number }
  | { drop: 'before' | 'after' }
  | { hang: true };

/** A webhook or status callback the emulator posted, and how the app answered. */
export interface PostedWebhook {
  /** The URL Twilio signed (the app's public URL). */
  url: string;
  /** Where it was actually sent. */
  target: string;
  params: Record<string, string>;
  status: number | 'network-error';
  body: string;
}

export interface EmulatorState {
  accountSid: string;
  authToken: string;
  baseUrl: string;
  now: () => number;
  sendsPerSecond: number;
  /** Senders the account owns (`+1…`, `whatsapp:+1…`); empty means any sender is accepted. */
  senders: Set<string>;
  messagingServices: Map<string, string[]>;
  messages: EmulatedMessage[];
  calls: RestCall[];
  faults: { next: Fault[]; until?: { at: number; fault: Fault } };
  /** Per-sender token buckets for the send rate. */
  buckets: Map<string, { tokens: number; at: number }>;
  /** Recipients the create call refuses, with the Twilio error code. */
  refusedRecipients: Map<string, number>;
  /** Recipients whose delivery fails later, reported by status callback. */
  failingDeliveries: Map<string, { status: 'undelivered' | 'failed'; code: number }>;
  media: Map<string, { data: Uint8Array; contentType: string }>;
  cdnTokens: Map<string, { mediaSid: string; expires: number }>;
  mediaFetches: { path: string; authorized: boolean; status: number }[];
  posted: PostedWebhook[];
  autoStatus: boolean;
  route: (publicUrl: string) => string;
  pending: Set<Promise<unknown>>;
  /** Requests processed but left unanswered (Fault `hang`). */
  hung: Set<ServerResponse>;
}

/** A Twilio SID: two letters and 32 hex digits (https://www.twilio.com/docs/glossary/what-is-a-sid). */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Twilio's REST dates: RFC 2822 in GMT, `Fri, 31 Oct 2014 03:39:29 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** Writes Twilio's JSON error body (https://www.twilio.com/docs/usage/twilios-response). */
export function sendError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Checks HTTP basic auth against the account's SID and auth token. */
export function basicAuthMatches(header: string | undefined, state: EmulatorState): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return false;
  return Buffer.from(match[1]!, 'base64').toString('utf8') === `${state.accountSid}:${state.authToken}`;
}
