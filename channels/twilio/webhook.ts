/**
 * Answering Twilio's webhooks: verify, parse, fetch media, hand to the sink, and only once
 * the sink has committed, answer 200. Anything else makes Twilio try its fallback URL or
 * retry (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides).
 */
import twilio from 'twilio';
import {
  ChannelInputError,
  type ChannelDeps,
  type ChannelName,
  type InboundMessage,
  type Sink,
} from '../../src/channels/contract.ts';
import { readBody } from '../../src/shared/http.ts';
import type { TwilioConfig } from './config.ts';
import { parseTwilioForm, parseTwilioWebhook, twilioMediaRefs, verifyTwilioSignature } from './inbound.ts';
import { downloadTwilioMedia } from './media.ts';
import type { TwilioParams } from './types.ts';

/** Where Twilio posts incoming SMS/MMS/WhatsApp messages. */
export const TWILIO_INBOUND_PATH = '/webhooks/twilio';
/** Where Twilio posts delivery status callbacks for the messages we send. */
export const TWILIO_STATUS_PATH = '/webhooks/twilio/status';

/** A messaging webhook is a few kilobytes of form fields; anything far larger is not Twilio. */
const MAX_WEBHOOK_BYTES = 64 * 1024;
/** An empty TwiML document: acknowledged, and no automatic reply from Twilio. */
const EMPTY_TWIML = new twilio.twiml.MessagingResponse().toString();

export interface TwilioWebhookContext {
  config: TwilioConfig;
  deps: ChannelDeps;
  /** The channels configured: a WhatsApp message when only SMS is set up is not ours to store. */
  enabled: ReadonlySet<ChannelName>;
}

/**
 * Handles `POST /webhooks/twilio` and `POST /webhooks/twilio/status`. Throws
 * ChannelAuthError (403) for a missing or wrong signature and ChannelInputError (413) for an
 * oversized body; answers 500 when the sink (or Twilio's media) failed, so that Twilio
 * delivers it again.
 */
export async function handleTwilioWebhook(
  request: Request,
  sink: Sink,
  context: TwilioWebhookContext,
): Promise<Response> {
  const { config, deps } = context;
  const url = new URL(request.url);
  const isStatus = url.pathname.replace(/\/+$/, '').endsWith(TWILIO_STATUS_PATH);
  const route = isStatus ? TWILIO_STATUS_PATH : TWILIO_INBOUND_PATH;
  const acknowledge = () =>
    route === TWILIO_STATUS_PATH
      ? new Response(null, { status: 200 })
      : new Response(EMPTY_TWIML, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });
  if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });

  const params = parseTwilioForm(new TextDecoder().decode(await readBody(request, MAX_WEBHOOK_BYTES)));
  // Twilio signed the URL it was configured with: ours as the internet sees it, plus the
  // query string it called us with.
  const signedUrl = `${config.publicBaseUrl}${route}${url.search}`;
  verifyTwilioSignature(config.authToken, request.headers.get('x-twilio-signature'), signedUrl, params);

  const event = parseTwilioWebhook(params);
  if (event.kind === 'unsupported' || !context.enabled.has(event.channel)) {
    const reason = event.kind === 'unsupported' ? event.reason : `${event.channel} is not configured`;
    deps.logger.info({ channel: 'twilio', reason }, 'twilio webhook ignored');
    return acknowledge();
  }

  try {
    if (event.kind === 'status') {
      await sink.status(event);
    } else {
      await sink.message(await withMedia(event, params, context));
    }
  } catch (error) {
    if (error instanceof ChannelInputError) {
      // Nothing about it will change on a retry: acknowledged, so Twilio stops sending it.
      deps.logger.warn({ channel: event.channel, externalId: event.externalId, err: error.message }, 'twilio webhook refused by the core; acknowledged');
      return acknowledge();
    }
    deps.logger.error(
      { channel: event.channel, externalId: event.externalId, err: error },
      'twilio webhook not stored; Twilio will retry',
    );
    return new Response('not stored, retry later', { status: 500 });
  }
  return acknowledge();
}

/** Downloads the message's media; a file that cannot be relayed leaves a line for the agent. */
async function withMedia(
  message: InboundMessage,
  params: TwilioParams,
  context: TwilioWebhookContext,
): Promise<InboundMessage> {
  const refs = twilioMediaRefs(params);
  if (!refs.length) return message;
  const { config, deps } = context;
  const media = await downloadTwilioMedia(refs, {
    fetch: deps.fetch,
    accountSid: config.accountSid,
    authToken: config.authToken,
    apiUrl: config.apiUrl,
  });
  if (media.skipped.length) {
    const { channel, externalId } = message;
    deps.logger.warn({ channel, externalId, skipped: media.skipped }, 'twilio media skipped');
  }
  const notes = media.skipped.map((line) => `[${line}]`);
  return { ...message, text: [message.text, ...notes].filter(Boolean).join('\n'), attachments: media.attachments };
}
