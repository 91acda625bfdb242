import type { ChannelSettings } from '../../src/channels/contract.ts';
import type { EnvReader } from '../../src/shared/env.ts';

/** Everything the Twilio adapter needs, parsed once at start-up from the environment. */
export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** Where this server is reached from the internet, without a trailing slash. */
  publicBaseUrl: string;
  /** The REST base, `https://api.twilio.com` unless pointed elsewhere (an emulator, a proxy). */
  apiUrl: string;
  /** Messages per second per sender (TWILIO_SEND_RATE). */
  sendsPerSecond: number;
  /** SMS, when TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID is set. */
  sms?: {
    /** E.164 senders; each customer always hears from the same one. */
    from: string[];
    /** When set, Twilio's Messaging Service picks the sender instead. */
    messagingServiceSid?: string;
  };
  /** WhatsApp, when TWILIO_WHATSAPP_FROM is set. */
  whatsapp?: {
    /** The E.164 WhatsApp sender, without the `whatsapp:` prefix. */
    from: string;
    /**
     * A pre-approved Content template (HX…) sent outside the 24-hour window instead of the
     * reply, inviting the customer to write back; its `{{1}}` is the ticket number.
     */
    templateSid?: string;
  };
}

const E164 = /^\+[1-9]\d{6,14}$/;
const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`, 'i');

/**
 * Reads the Twilio variables: complete → enabled, incomplete → off with what is missing.
 * Present-but-invalid values are problems recorded on the reader, and keep Twilio off.
 */
export function parseTwilioSettings(env: EnvReader): ChannelSettings<TwilioConfig> {
  const before = env.problems.length;

  const accountSid = env.text('TWILIO_ACCOUNT_SID');
  if (accountSid && !SID('AC').test(accountSid)) env.problem('TWILIO_ACCOUNT_SID', 'must be AC followed by 32 hex digits');
  const authToken = env.text('TWILIO_AUTH_TOKEN');
  if (authToken && /\s/.test(authToken)) env.problem('TWILIO_AUTH_TOKEN', 'must not contain spaces');

  const publicBaseUrl = baseUrl(env, 'PUBLIC_BASE_URL');
  const apiUrl = baseUrl(env, 'TWILIO_API_URL') ?? 'https://api.twilio.com';

  const rate = env.number('TWILIO_SEND_RATE', { fallback: 1, positive: true, what: 'a positive number of messages per second' });

  const smsFrom = phoneList(env);
  const serviceSid = env.text('TWILIO_MESSAGING_SERVICE_SID');
  if (serviceSid && !SID('MG').test(serviceSid)) {
    env.problem('TWILIO_MESSAGING_SERVICE_SID', 'must be MG followed by 32 hex digits');
  }

  // Accept the number with or without Twilio's channel prefix: both name one sender.
  const whatsappText = env.text('TWILIO_WHATSAPP_FROM')?.replace(/^whatsapp:/i, '');
  if (whatsappText && !E164.test(whatsappText)) {
    env.problem('TWILIO_WHATSAPP_FROM', `"${whatsappText}" is not an E.164 number like +15550001111`, { quote: false });
  }
  const templateSid = env.text('TWILIO_WHATSAPP_TEMPLATE_SID');
  if (templateSid && !SID('HX').test(templateSid)) {
    env.problem('TWILIO_WHATSAPP_TEMPLATE_SID', 'must be a Content SID: HX followed by 32 hex digits');
  }

  const missing: string[] = [];
  if (!accountSid) missing.push('TWILIO_ACCOUNT_SID');
  if (!authToken) missing.push('TWILIO_AUTH_TOKEN');
  if (!smsFrom.length && !serviceSid && !whatsappText) missing.push('TWILIO_SMS_FROM or TWILIO_WHATSAPP_FROM');
  // Signatures are computed over the public URL and status callbacks are sent to it, so
  // without it no webhook can be verified (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
  if (!env.text('PUBLIC_BASE_URL')) missing.push('PUBLIC_BASE_URL');

  if (missing.length || env.problems.length > before || !accountSid || !authToken || !publicBaseUrl) {
    return { enabled: false, missing };
  }
  return {
    enabled: true,
    config: {
      accountSid,
      authToken,
      publicBaseUrl,
      apiUrl,
      sendsPerSecond: rate,
      ...(smsFrom.length || serviceSid
        ? { sms: { from: smsFrom, ...(serviceSid ? { messagingServiceSid: serviceSid } : {}) } }
        : {}),
      ...(whatsappText ? { whatsapp: { from: whatsappText, ...(templateSid ? { templateSid } : {}) } } : {}),
    },
  };
}

/** An http(s) base URL without query, fragment or trailing slash, as the URL parser writes it. */
function baseUrl(env: EnvReader, variable: string): string | undefined {
  const text = env.url(variable);
  if (text === undefined) return undefined;
  const url = new URL(text);
  if (url.search || url.hash) return env.problem(variable, 'must not carry a query or fragment');
  return url.href.replace(/\/+$/, '');
}

function phoneList(env: EnvReader): string[] {
  const text = env.text('TWILIO_SMS_FROM');
  if (text === undefined) return [];
  const numbers = text.split(',').map((n) => n.trim()).filter(Boolean);
  const bad = numbers.filter((n) => !E164.test(n));
  if (bad.length) {
    const list = bad.map((n) => `"${n}"`).join(', ');
    env.problem('TWILIO_SMS_FROM', `${list} not E.164 (write +15550001111, comma-separated)`, { quote: false });
    return [];
  }
  return [...new Set(numbers)];
}
