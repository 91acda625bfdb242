/**
 * Twilio error codes an agent is likely to meet, in words an agent can act on. Each links to
 * its page in Twilio's error dictionary: https://www.twilio.com/docs/api/errors/<code>.
 */
const REASONS: Record<string, string> = {
  // REST API
  '20003': 'Twilio refused our credentials (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)',
  '20429': 'Twilio is rate limiting us; the reply will be retried',
  // Message creation
  '21211': 'the customer number is not a valid phone number',
  '21408': 'sending to this country is not enabled on the Twilio account',
  '21606': 'our sender number cannot send messages to this destination',
  '21610': 'the customer has opted out (replied STOP); they must reply START before we can write again',
  '21612': 'Twilio cannot route a message to this number',
  '21614': 'the customer number is not a mobile number and cannot receive SMS',
  '21617': 'the reply is longer than 1600 characters',
  '21910': 'the sender and the customer are on different channels (SMS vs WhatsApp)',
  // Carrier delivery (status callbacks)
  '30001': 'Twilio queue overflow: too many messages were queued for our sender',
  '30002': 'the Twilio account is suspended',
  '30003': "the customer's phone is unreachable (off or out of coverage)",
  '30004': 'the message was blocked (the customer or their carrier blocks it)',
  '30005': 'the customer number is unknown to the carrier or no longer in service',
  '30006': 'the number is a landline or its carrier cannot receive SMS',
  '30007': 'the carrier filtered the message as spam or a policy violation',
  '30008': 'the carrier reported an unknown delivery error',
  // WhatsApp
  '63003': 'the customer number is not reachable on WhatsApp',
  '63007': 'our WhatsApp sender is not set up on the Twilio account',
  '63016': "outside WhatsApp's 24-hour window: the customer must write first (or a template must be used)",
  '63018': 'WhatsApp rate limit reached for our sender',
  '63024': 'the customer number is not a WhatsApp user',
  '63032': 'WhatsApp did not deliver to this user (a WhatsApp limitation on their account)',
};

/** The reason in words for a Twilio error code, falling back to Twilio's own message or the code. */
export function twilioErrorReason(code: string | number | undefined, fallback?: string): string {
  const key = code === undefined ? undefined : String(code);
  if (key && REASONS[key]) return REASONS[key];
  if (fallback) return fallback;
  return key ? `Twilio error ${key} (https://www.twilio.com/docs/api/errors/${key})` : 'Twilio reported an error';
}
