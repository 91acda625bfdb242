/**
 * Webhooks as Twilio sends them: form-encoded parameters shaped like Twilio's requests,
 * signed with X-Twilio-Signature over the URL the app is configured at.
 * https://www.twilio.com/docs/messaging/guides/webhook-request
 */
import { createHmac, randomUUID } from 'node:crypto';
import { type EmulatedMessage, type EmulatorState, newSid } from './state.ts';

export type WebhookParams = Record<string, string>;

/**
 * X-Twilio-Signature, computed here independently of the SDK: the full URL, then every POST
 * parameter name immediately followed by its value, sorted by name (case-sensitive), signed
 * with HMAC-SHA1 keyed by the auth token, base64.
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export function twilioSignature(authToken: string, url: string, params: WebhookParams): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, key) => text + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export interface PostOptions {
  /** Send this signature instead of the right one; `null` sends none at all. */
  signature?: string | null;
  /** Sign with this token instead of the account's (a forger who guessed wrong). */
  signWith?: string;
  /** Sign these parameters but send `params` (a payload tampered with in transit). */
  signedParams?: WebhookParams;
  /** Where to send it; defaults to the emulator's route for the URL. */
  target?: string;
}

/** Posts a webhook signed over `url` (the app's public URL) and records the app's answer. */
export async function postWebhook(state: EmulatorState, url: string, params: WebhookParams, options: PostOptions = {}): Promise<Response> {
  const signature =
    options.signature !== undefined
      ? options.signature
      : twilioSignature(options.signWith ?? state.authToken, url, options.signedParams ?? params);
  const target = options.target ?? state.route(url);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'user-agent': 'TwilioProxy/1.1',
    // Twilio marks each webhook attempt so receivers can spot its own retries.
    'i-twilio-idempotency-token': randomUUID(),
  };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  const record = { url, target, params, status: 'network-error' as number | 'network-error', body: '' };
  state.posted.push(record);
  const response = await fetch(target, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  record.status = response.status;
  record.body = await response.clone().text();
  return response;
}

const GEO = { FromCity: '', FromState: '', FromZip: '', FromCountry: 'US', ToCity: '', ToState: '', ToZip: '', ToCountry: 'US' };

/** An incoming SMS (https://www.twilio.com/docs/messaging/guides/webhook-request). */
export function inboundSmsParams(
  state: EmulatorState,
  input: {
    from: string;
    to: string;
    body: string;
    sid?: string;
    messagingServiceSid?: string;
    optOutType?: 'STOP' | 'START' | 'HELP';
  },
): WebhookParams {
  const sid = input.sid ?? newSid('SM');
  return {
    ...GEO,
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: input.body,
    To: input.to,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: state.accountSid,
    From: input.from,
    ApiVersion: '2010-04-01',
    ...(input.messagingServiceSid ? { MessagingServiceSid: input.messagingServiceSid } : {}),
    ...(input.optOutType ? { OptOutType: input.optOutType } : {}),
  };
}

export interface MediaInput {
  data: Uint8Array;
  contentType: string;
}

/** An incoming MMS: `MM…` SID, NumMedia and a MediaUrl{N}/MediaContentType{N} pair per file. */
export function inboundMmsParams(
  state: EmulatorState,
  input: { from: string; to: string; body?: string; media: MediaInput[]; sid?: string },
  addMedia: (messageSid: string, media: MediaInput) => string,
): WebhookParams {
  const sid = input.sid ?? newSid('MM');
  return { ...inboundSmsParams(state, { ...input, body: input.body ?? '', sid }), ...mediaParams(sid, input.media, addMedia) };
}

/**
 * An incoming WhatsApp message: both addresses carry the `whatsapp:` prefix, plus the
 * customer's ProfileName and WaId (their number in digits, without `+`).
 * https://www.twilio.com/docs/messaging/guides/webhook-request#whatsapp-specific-parameters
 */
export function inboundWhatsAppParams(
  state: EmulatorState,
  input: { from: string; to: string; body?: string; profileName?: string; media?: MediaInput[]; sid?: string },
  addMedia: (messageSid: string, media: MediaInput) => string,
): WebhookParams {
  const sid = input.sid ?? newSid('SM');
  const media = input.media ?? [];
  return {
    SmsMessageSid: sid,
    NumMedia: String(media.length),
    ProfileName: input.profileName ?? 'Customer',
    MessageType: media.length ? (media[0]!.contentType.split('/')[0] ?? 'document') : 'text',
    SmsSid: sid,
    WaId: input.from.replace(/^\+/, ''),
    SmsStatus: 'received',
    Body: input.body ?? '',
    To: `whatsapp:${input.to}`,
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: sid,
    AccountSid: state.accountSid,
    From: `whatsapp:${input.from}`,
    ApiVersion: '2010-04-01',
    ...mediaParams(sid, media, addMedia),
  };
}

function mediaParams(sid: string, media: MediaInput[], addMedia: (messageSid: string, media: MediaInput) => string): WebhookParams {
  const params: WebhookParams = { NumMedia: String(media.length) };
  media.forEach((item, i) => {
    params[`MediaContentType${i}`] = item.contentType;
    params[`MediaUrl${i}`] = addMedia(sid, item);
  });
  return params;
}

/**
 * A status callback for a message we sent: a subset of the message parameters plus
 * MessageStatus and, for failures, ErrorCode.
 * https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 */
export function statusCallbackParams(
  state: EmulatorState,
  input: { sid: string; from: string; to: string; status: string; errorCode?: number | string },
): WebhookParams {
  const whatsapp = /^whatsapp:/i.test(input.from);
  const final = input.status === 'delivered' || input.status === 'undelivered';
  return {
    SmsSid: input.sid,
    SmsStatus: input.status,
    MessageStatus: input.status,
    To: input.to,
    MessageSid: input.sid,
    AccountSid: state.accountSid,
    From: input.from,
    ApiVersion: '2010-04-01',
    ...(input.errorCode !== undefined ? { ErrorCode: String(input.errorCode) } : {}),
    // Carriers' delivery receipts carry a done date (YYMMDDhhmm) on SMS.
    ...(final && !whatsapp ? { RawDlrDoneDate: doneDate(new Date(state.now())) } : {}),
    ...(whatsapp
      ? { ChannelPrefix: 'whatsapp', ChannelToAddress: input.to.replace(/^whatsapp:/i, ''), ChannelInstallSid: 'XE' + '0'.repeat(32) }
      : {}),
  };
}

/** Posts `sent` then `delivered` (or the configured failure) to a new message's StatusCallback. */
export function scheduleStatusCallbacks(state: EmulatorState, message: EmulatedMessage): void {
  const failing = state.failingDeliveries.get(message.to.replace(/^whatsapp:/i, ''));
  const steps: { status: string; errorCode?: number }[] = failing
    ? [{ status: 'sent' }, { status: failing.status, errorCode: failing.code }]
    : [{ status: 'sent' }, { status: 'delivered' }];
  const run = (async () => {
    await new Promise((resolve) => setImmediate(resolve));
    for (const step of steps) {
      message.status = step.status;
      if (step.status === 'sent') message.dateSent = new Date(state.now());
      const params = statusCallbackParams(state, { sid: message.sid, from: message.from ?? '', to: message.to, ...step });
      try {
        await postWebhook(state, message.statusCallback!, params);
      } catch {
        // Twilio does not retry a status callback it could not deliver; neither do we.
      }
    }
  })();
  state.pending.add(run);
  void run.finally(() => state.pending.delete(run));
}

function doneDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const parts = [date.getUTCFullYear() % 100, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes()];
  return parts.map(two).join('');
}
