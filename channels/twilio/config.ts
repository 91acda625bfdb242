import type { ChannelConfigProblem, ChannelSettings } from '../../src/channels/contract.ts';

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

type Env = Readonly<Record<string, string | undefined>>;

const E164 = /^\+[1-9]\d{6,14}$/;
const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-f]{32}$`, 'i');

/** Reads the Twilio variables: complete → enabled, incomplete → off with what is missing. */
export function parseTwilioSettings(env: Env): {
  settings: ChannelSettings<TwilioConfig>;
  problems: ChannelConfigProblem[];
} {
  const problems: ChannelConfigProblem[] = [];
  const value = (name: string) => {
    const text = env[name]?.trim();
    return text ? text : undefined;
  };
  const problem = (variable: string, message: string) => {
    problems.push({ variable, message });
    return undefined;
  };

  const accountSid = value('TWILIO_ACCOUNT_SID');
  if (accountSid && !SID('AC').test(accountSid)) problem('TWILIO_ACCOUNT_SID', 'must be AC followed by 32 hex digits');
  const authToken = value('TWILIO_AUTH_TOKEN');
  if (authToken && /\s/.test(authToken)) problem('TWILIO_AUTH_TOKEN', 'must not contain spaces');

  const publicBaseUrl = httpUrl(value('PUBLIC_BASE_URL'), 'PUBLIC_BASE_URL', problem);
  const apiUrl = httpUrl(value('TWILIO_API_URL'), 'TWILIO_API_URL', problem) ?? 'https://api.twilio.com';

  const rateText = value('TWILIO_SEND_RATE');
  const rate = rateText === undefined ? 1 : Number(rateText);
  if (!(Number.isFinite(rate) && rate > 0)) {
    problem('TWILIO_SEND_RATE', `"${rateText}" is not a positive number of messages per second`);
  }

  const smsFrom = phoneList(value('TWILIO_SMS_FROM'), problem);
  const serviceSid = value('TWILIO_MESSAGING_SERVICE_SID');
  if (serviceSid && !SID('MG').test(serviceSid)) {
    problem('TWILIO_MESSAGING_SERVICE_SID', 'must be MG followed by 32 hex digits');
  }

  // Accept the number with or without Twilio's channel prefix: both name one sender.
  const whatsappText = value('TWILIO_WHATSAPP_FROM')?.replace(/^whatsapp:/i, '');
  if (whatsappText && !E164.test(whatsappText)) {
    problem('TWILIO_WHATSAPP_FROM', `"${whatsappText}" is not an E.164 number like +15550001111`);
  }
  const templateSid = value('TWILIO_WHATSAPP_TEMPLATE_SID');
  if (templateSid && !SID('HX').test(templateSid)) {
    problem('TWILIO_WHATSAPP_TEMPLATE_SID', 'must be a Content SID: HX followed by 32 hex digits');
  }

  const missing: string[] = [];
  if (!accountSid) missing.push('TWILIO_ACCOUNT_SID');
  if (!authToken) missing.push('TWILIO_AUTH_TOKEN');
  if (!smsFrom.length && !serviceSid && !whatsappText) missing.push('TWILIO_SMS_FROM or TWILIO_WHATSAPP_FROM');
  // Signatures are computed over the public URL and status callbacks are sent to it, so
  // without it no webhook can be verified (https://www.twilio.com/docs/usage/webhooks/webhooks-security).
  if (!value('PUBLIC_BASE_URL')) missing.push('PUBLIC_BASE_URL');

  if (missing.length || problems.length || !accountSid || !authToken || !publicBaseUrl) {
    return { settings: { enabled: false, missing }, problems };
  }
  return {
    settings: {
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
    },
    problems,
  };
}

function httpUrl(
  text: string | undefined,
  variable: string,
  problem: (variable: string, message: string) => undefined,
): string | undefined {
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return problem(variable, 'must be an http(s) URL');
    if (url.search || url.hash) return problem(variable, 'must not carry a query or fragment');
    return url.href.replace(/\/+$/, '');
  } catch {
    return problem(variable, `"${text}" is not a URL`);
  }
}

function phoneList(text: string | undefined, problem: (variable: string, message: string) => undefined): string[] {
  if (text === undefined) return [];
  const numbers = text.split(',').map((n) => n.trim()).filter(Boolean);
  const bad = numbers.filter((n) => !E164.test(n));
  if (bad.length) {
    const list = bad.map((n) => `"${n}"`).join(', ');
    problem('TWILIO_SMS_FROM', `${list} not E.164 (write +15550001111, comma-separated)`);
    return [];
  }
  return [...new Set(numbers)];
}
