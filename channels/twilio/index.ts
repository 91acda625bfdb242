/**
 * The Twilio adapter: SMS/MMS and the WhatsApp Business API, sharing one account, one SDK
 * client and one pair of webhooks (`From: whatsapp:+…` tells the channels apart).
 */
import type {
  Channel,
  ChannelDeps,
  ChannelModule,
  ChannelName,
  ChannelSet,
  OutboundMessage,
  SendResult,
} from '../../src/channels/contract.ts';
import { ChannelSendError } from '../../src/channels/contract.ts';
import { normalisePhone } from '../../src/shared/address.ts';
import { twilioErrorReason } from './codes.ts';
import { parseTwilioSettings, type TwilioConfig } from './config.ts';
import { twilioDeliveryState } from './inbound.ts';
import { createTwilioClient, createTwilioMessage, stickySender, type TwilioClient } from './outbound.ts';
import { smsReplyNotice } from './segments.ts';
import { handleTwilioWebhook, TWILIO_INBOUND_PATH, TWILIO_STATUS_PATH } from './webhook.ts';

export type { TwilioConfig } from './config.ts';
export { smsEncoding, smsSegments } from './segments.ts';
export { TWILIO_INBOUND_PATH, TWILIO_STATUS_PATH } from './webhook.ts';

/** One SMS carries 1600 characters at most, and so does a WhatsApp message sent through Twilio
 * (WhatsApp itself allows 4096, but Twilio's `Body` stops at 1600: error 21617,
 * https://www.twilio.com/docs/api/errors/21617). */
const MAX_TEXT = 1600;
/** Media limits per message: MMS 5 MB, WhatsApp 16 MB
 * (https://www.twilio.com/docs/messaging/guides/accepted-mime-types). */
const MMS_MAX_BYTES = 5 * 1024 * 1024;
const WHATSAPP_MAX_BYTES = 16 * 1024 * 1024;
/** WhatsApp's customer service window: free-form replies only within 24 h of the customer's
 * last message (https://www.twilio.com/docs/api/errors/63016). */
const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The Twilio channel module: settings from TWILIO_* variables, then the sms/whatsapp channels. */
export const twilioModule: ChannelModule<TwilioConfig> = {
  name: 'twilio',
  names: ['sms', 'whatsapp'],
  inbound: () => 'webhooks',
  settings: parseTwilioSettings,
  create: createTwilioChannels,
};

/** Builds the configured Twilio channels and the one pair of webhooks they share. */
export function createTwilioChannels(config: TwilioConfig, deps: ChannelDeps): ChannelSet {
  const client = createTwilioClient(config);
  const send = new Sender(client, config, deps);
  const channels: Channel[] = [];
  if (config.sms) channels.push(smsChannel(config, config.sms, send));
  if (config.whatsapp) channels.push(whatsappChannel(config, config.whatsapp, send));
  const enabled = new Set<ChannelName>(channels.map((channel) => channel.name));
  return {
    channels,
    inbound: {
      kind: 'webhooks',
      routes: [
        { method: 'POST', path: TWILIO_INBOUND_PATH },
        { method: 'POST', path: TWILIO_STATUS_PATH },
      ],
      handle: (request, sink) => handleTwilioWebhook(request, sink, { config, deps, enabled }),
    },
  };
}

function smsChannel(config: TwilioConfig, sms: NonNullable<TwilioConfig['sms']>, send: Sender): Channel {
  // A Messaging Service picks (and keeps) the sender itself; otherwise the number the customer
  // wrote to, or (when we wrote first, or that number is no longer ours) one chosen stickily.
  const sender = (message: Pick<OutboundMessage, 'to' | 'recipient'>) =>
    sms.messagingServiceSid ??
    (message.recipient && sms.from.includes(message.recipient) ? message.recipient : stickySender(sms.from, customerNumber(message.to)));
  return {
    name: 'sms',
    limits: { maxTextLength: MAX_TEXT, maxAttachmentBytes: MMS_MAX_BYTES, sendsPerSecond: config.sendsPerSecond },
    pacingKey: (message) => sender(message),
    replyNotice: smsReplyNotice,
    async send(message) {
      return send.create({
        to: customerNumber(message.to),
        ...(sms.messagingServiceSid ? { messagingServiceSid: sms.messagingServiceSid } : { from: sender(message) }),
        ...(message.text ? { body: message.text } : {}),
        ...mediaParam(mediaUrls(message)),
      });
    },
  };
}

function whatsappChannel(config: TwilioConfig, whatsapp: NonNullable<TwilioConfig['whatsapp']>, send: Sender): Channel {
  const from = `whatsapp:${whatsapp.from}`;
  const to = (message: Pick<OutboundMessage, 'to'>) => `whatsapp:${customerNumber(message.to)}`;
  const { templateSid } = whatsapp;
  return {
    name: 'whatsapp',
    limits: {
      maxTextLength: MAX_TEXT,
      maxAttachmentBytes: WHATSAPP_MAX_BYTES,
      sendsPerSecond: config.sendsPerSecond,
      replyWindowMs: WHATSAPP_WINDOW_MS,
    },
    pacingKey: () => from,
    async send(message) {
      // A WhatsApp message carries one media item, so each further file is a message of its
      // own (https://www.twilio.com/docs/whatsapp/guidance-whatsapp-media-messages). The
      // first carries the text and is the one the reply is tracked by.
      const [firstUrl, ...moreUrls] = mediaUrls(message);
      const result = await send.create({
        from,
        to: to(message),
        ...(message.text ? { body: message.text } : {}),
        ...mediaParam(firstUrl ? [firstUrl] : []),
      });
      for (const url of moreUrls) await send.create({ from, to: to(message), mediaUrl: [url] });
      return result;
    },
    // Outside the window only an approved template may be sent: `ContentSid` with its
    // variables, no Body (https://www.twilio.com/docs/api/errors/63016).
    ...(templateSid
      ? {
          sendOutsideReplyWindow: async (message: OutboundMessage) =>
            send.create({
              from,
              to: to(message),
              contentSid: templateSid,
              contentVariables: JSON.stringify({ 1: `#${message.ticket}` }),
            }),
        }
      : {}),
  };
}

/** Sends through the shared client with our status callback, and reads Twilio's answer. */
class Sender {
  readonly #client: TwilioClient;
  readonly #statusCallback: string;
  readonly #now: () => number;

  constructor(client: TwilioClient, config: TwilioConfig, deps: ChannelDeps) {
    this.#client = client;
    this.#statusCallback = `${config.publicBaseUrl}${TWILIO_STATUS_PATH}`;
    this.#now = () => deps.now();
  }

  async create(params: Parameters<TwilioClient['messages']['create']>[0]): Promise<SendResult> {
    const created = await createTwilioMessage(this.#client, { ...params, statusCallback: this.#statusCallback }, this.#now);
    const state = twilioDeliveryState(created.status);
    if (state === 'failed' || state === 'undelivered') {
      const code = created.errorCode ? String(created.errorCode) : undefined;
      throw new ChannelSendError(twilioErrorReason(code, created.errorMessage ?? undefined), {
        retryable: false,
        ...(code ? { code } : {}),
      });
    }
    return { externalId: created.sid, state: state === 'sent' || state === 'delivered' ? state : 'queued' };
  }
}

/** The customer's E.164 number, whatever form the identity address took. */
function customerNumber(address: string): string {
  return normalisePhone(address) ?? address;
}

/** Twilio fetches outbound media itself, by URL; a file we cannot point it at cannot be sent. */
function mediaUrls(message: OutboundMessage): string[] {
  return message.attachments.map((attachment) => {
    if (attachment.url) return attachment.url;
    throw new ChannelSendError(`"${attachment.name}" has no public URL for Twilio to fetch it from`, {
      retryable: false,
      code: 'attachment-without-url',
    });
  });
}

function mediaParam(urls: string[]): { mediaUrl?: string[] } {
  return urls.length ? { mediaUrl: urls } : {};
}
