/**
 * Raw Twilio payloads, as Twilio sends them. Webhooks are form-encoded, so every value is a
 * string; Twilio adds parameters without notice, so these list what we read, not all there is.
 * https://www.twilio.com/docs/messaging/guides/webhook-request
 */

/** A form-encoded webhook body as signed: repeated keys become arrays. */
export type TwilioParams = Record<string, string | string[]>;

/** Twilio's request to the incoming-message webhook (SMS, MMS and WhatsApp). */
export interface TwilioInboundMessageParams {
  MessageSid: string;
  /** Deprecated duplicates of MessageSid, still sent. */
  SmsSid?: string;
  SmsMessageSid?: string;
  AccountSid: string;
  MessagingServiceSid?: string;
  /** The customer: `+15550001111`, or `whatsapp:+15550001111` on WhatsApp. */
  From: string;
  /** Our number or WhatsApp sender. */
  To: string;
  Body: string;
  /** How many `MediaUrl{N}`/`MediaContentType{N}` pairs follow, as a decimal string. */
  NumMedia: string;
  NumSegments?: string;
  SmsStatus?: 'received';
  ApiVersion?: string;
  /** WhatsApp only: the customer's profile name and WhatsApp id (E.164 digits, no `+`). */
  ProfileName?: string;
  WaId?: string;
  MessageType?: string;
  /** Messaging Services with Advanced Opt-Out: which keyword class the body matched. */
  OptOutType?: 'STOP' | 'START' | 'HELP';
  [media: `MediaUrl${number}` | `MediaContentType${number}`]: string;
}

/** Message statuses, as the Message resource and status callbacks report them. */
export type TwilioMessageStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'failed'
  | 'delivered'
  | 'undelivered'
  | 'receiving'
  | 'received'
  | 'accepted'
  | 'scheduled'
  | 'read'
  | 'partially_delivered'
  | 'canceled';

/**
 * Twilio's request to a message's StatusCallback URL: a subset of the incoming-message
 * parameters plus MessageStatus and ErrorCode.
 * https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 */
export interface TwilioStatusCallbackParams {
  MessageSid: string;
  SmsSid?: string;
  AccountSid: string;
  /** Our sender (`whatsapp:+…` on WhatsApp). */
  From: string;
  To: string;
  MessageStatus: TwilioMessageStatus;
  SmsStatus?: TwilioMessageStatus;
  /** Set when the status is `failed` or `undelivered`. */
  ErrorCode?: string;
  ApiVersion?: string;
  /** SMS/MMS delivery receipts: YYMMDDhhmm, carrier time zone, so not used as a timestamp. */
  RawDlrDoneDate?: string;
  /** WhatsApp: the channel and the customer's address on it. */
  ChannelPrefix?: string;
  ChannelToAddress?: string;
  ChannelInstallSid?: string;
}

/** Twilio's REST error body (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions). */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}
