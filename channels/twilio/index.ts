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
import { createTwilioClient, createTwilioMessage, listTwilioMessages, stickySender, type TwilioClient } from './outbound.ts';
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
    findSent: (message, since) =>
      send.find(
        { to: customerNumber(message.to), ...(sms.messagingServiceSid ? { messagingServiceSid: sms.messagingServiceSid } : { from: sender(message) }) },
        message,
        since,
      ),
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
    // A reply of several files is several messages, of which an unanswered send may have made
    // only some: that one cannot be told apart, and is sent again whole.
    findSent: async (message, since) => (message.attachments.length > 1 ? [] : send.find({ from, to: to(message) }, message, since)),
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

  /**
   * The messages Twilio holds that a send of `message` may have become: ours (`outbound-api`),
   * to the same number from the same sender (or Messaging Service), with the same body and as
   * many files, created at or after `since`; oldest first. Twilio's later reports on them
   * (failed, delivered) arrive by status callback as for any send.
   */
  async find(where: { to: string; from?: string; messagingServiceSid?: string }, message: OutboundMessage, since: Date): Promise<SendResult[]> {
    const listed = await listTwilioMessages(this.#client, { to: where.to, ...(where.from ? { from: where.from } : {}) }, FIND_LIMIT, this.#now);
    return listed
      .filter((m) => m.direction === 'outbound-api' && (!where.messagingServiceSid || m.messagingServiceSid === where.messagingServiceSid))
      .filter((m) => m.body === message.text && Number(m.numMedia) === message.attachments.length && m.dateCreated.getTime() >= since.getTime())
      .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime())
      .map((m) => {
        const state = twilioDeliveryState(m.status);
        return { externalId: m.sid, state: state === 'sent' || state === 'delivered' ? state : 'queued' };
      });
  }
}

/**
 * How many of a customer's latest messages a look-up reads: far more than a support
 * conversation sends one customer in the minutes an unanswered send stays in doubt.
 */
const FIND_LIMIT = 50;

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
