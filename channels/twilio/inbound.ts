/**
 * Verifying and parsing what Twilio posts to us: pure functions, no I/O. The media a message
 * refers to is listed here and downloaded by media.ts.
 */
import twilio from 'twilio';
import {
  ChannelAuthError,
  type ChannelName,
  type DeliveryState,
  type InboundMessage,
  type InboundStatus,
  type Unsupported,
} from '../../src/channels/contract.ts';
import { normalisePhone } from '../../src/shared/address.ts';
import { twilioErrorReason } from './codes.ts';
import type { TwilioMessageStatus, TwilioParams } from './types.ts';

/** Parses a form-encoded body the way Twilio signs it: a repeated key becomes an array. */
export function parseTwilioForm(body: string): TwilioParams {
  const params: TwilioParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/**
 * Checks `X-Twilio-Signature`: HMAC-SHA1, keyed by the auth token, of the URL Twilio called
 * (our public URL, not the one the request reached us at behind a proxy) followed by each
 * POST parameter name and value, sorted by name, base64-encoded. Verified with the SDK's own
 * `validateRequest`, as Twilio asks (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
 * Throws ChannelAuthError(403) when the signature is missing or wrong.
 */
export function verifyTwilioSignature(
  authToken: string,
  signature: string | null,
  publicUrl: string,
  params: TwilioParams,
): void {
  if (!signature) throw new ChannelAuthError('missing X-Twilio-Signature', 403);
  if (!twilio.validateRequest(authToken, signature, publicUrl, params)) {
    throw new ChannelAuthError('X-Twilio-Signature does not match this request', 403);
  }
}

/**
 * Twilio's default opt-out and opt-in keywords for long codes and toll-free numbers, matched
 * when they are the whole message, case-insensitively. Twilio itself stops delivering to a
 * number that sent one; we record it so agents see why replies fail with 21610.
 * https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out
 */
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);

/** The consent change an SMS body expresses, preferring Twilio's own `OptOutType` verdict. */
export function smsConsent(body: string, optOutType?: string): InboundMessage['consent'] {
  // With Advanced Opt-Out a Messaging Service may define its own keywords; Twilio then tells
  // us which class matched in OptOutType, which beats our default list.
  if (optOutType === 'STOP') return 'opt-out';
  if (optOutType === 'START') return 'opt-in';
  const word = body.trim().toUpperCase();
  if (OPT_OUT.has(word)) return 'opt-out';
  if (OPT_IN.has(word)) return 'opt-in';
  return undefined;
}

/**
 * Twilio's statuses onto ours: `accepted` (a Messaging Service took it) and `scheduled` are
 * still waiting, `sending` has left Twilio for the carrier.
 * https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks
 */
const STATES: Partial<Record<TwilioMessageStatus, DeliveryState>> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'undelivered',
  failed: 'failed',
};

/** Our delivery state for a Twilio message status, or undefined for one we do not track. */
export function twilioDeliveryState(status: string): DeliveryState | undefined {
  // Own keys only: a status such as `__proto__` or `toString` (found by the fuzzer) is not one.
  return Object.hasOwn(STATES, status) ? STATES[status as TwilioMessageStatus] : undefined;
}

/** A piece of media an incoming message refers to (`MediaUrl{N}` + `MediaContentType{N}`). */
export interface TwilioMediaRef {
  url: string;
  contentType: string;
}

/** Lists the media of an incoming message, in order. */
export function twilioMediaRefs(params: TwilioParams): TwilioMediaRef[] {
  const count = Math.min(Number(one(params, 'NumMedia') ?? 0) || 0, 10);
  const refs: TwilioMediaRef[] = [];
  for (let i = 0; i < count; i++) {
    const url = one(params, `MediaUrl${i}`);
    if (url) refs.push({ url, contentType: one(params, `MediaContentType${i}`) ?? 'application/octet-stream' });
  }
  return refs;
}

/**
 * Parses a webhook into a `kind` union: an incoming SMS/MMS/WhatsApp message (attachments
 * still empty: see twilioMediaRefs), a delivery status, or `unsupported` for anything else.
 */
export function parseTwilioWebhook(params: TwilioParams): InboundMessage | InboundStatus | Unsupported {
  const sid = one(params, 'MessageSid') ?? one(params, 'SmsSid');
  const from = one(params, 'From');
  const to = one(params, 'To');
  if (!sid || !from || !to) {
    return { kind: 'unsupported', reason: 'not a Twilio messaging webhook (no MessageSid, From or To)' };
  }
  // Twilio marks WhatsApp addresses with a channel prefix on both sides.
  const channel: ChannelName = /^whatsapp:/i.test(from) || /^whatsapp:/i.test(to) ? 'whatsapp' : 'sms';

  const status = one(params, 'MessageStatus');
  if (status && status !== 'received' && status !== 'receiving') return parseStatus(params, sid, channel, status);

  const sender = normalisePhone(from);
  if (!sender) return { kind: 'unsupported', reason: `sender "${from}" is not a phone number` };
  const body = one(params, 'Body') ?? '';
  const message: InboundMessage = {
    kind: 'message',
    channel,
    externalId: sid,
    from: sender,
    conversation: sender,
    text: body || locationText(params),
    attachments: [],
  };
  // Which of our numbers they wrote to: replies leave from it.
  const recipient = normalisePhone(to);
  if (recipient) message.recipient = recipient;
  const name = one(params, 'ProfileName');
  if (channel === 'whatsapp' && name) message.name = name;
  // STOP filtering is an SMS/MMS carrier rule; on WhatsApp "stop" is just a word.
  const consent = channel === 'sms' ? smsConsent(body, one(params, 'OptOutType')) : undefined;
  if (consent) message.consent = consent;
  return message;
}

function parseStatus(params: TwilioParams, sid: string, channel: ChannelName, status: string): InboundStatus | Unsupported {
  const state = twilioDeliveryState(status);
  if (!state) return { kind: 'unsupported', reason: `message status "${status}" is not tracked` };
  const code = one(params, 'ErrorCode');
  if (state !== 'undelivered' && state !== 'failed') return { kind: 'status', channel, externalId: sid, state };
  const error = code
    ? { code, reason: twilioErrorReason(code) }
    : { reason: `Twilio reported the message ${status} without an error code` };
  return { kind: 'status', channel, externalId: sid, state, error };
}

/** WhatsApp location pins arrive with an empty Body and the place in separate parameters. */
function locationText(params: TwilioParams): string {
  const lat = one(params, 'Latitude');
  const lon = one(params, 'Longitude');
  if (!lat || !lon) return '';
  const place = [one(params, 'Label'), one(params, 'Address')].filter(Boolean).join(', ');
  return `Location: ${place ? `${place} ` : ''}https://maps.google.com/?q=${lat},${lon}`;
}

function one(params: TwilioParams, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}
