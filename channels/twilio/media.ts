/**
 * Downloading the media of an incoming MMS or WhatsApp message into attachment bytes.
 *
 * A MediaUrl is a Media resource on Twilio's REST API. Twilio enforces HTTP basic auth on it
 * (account SID + auth token) and answers with a redirect to a short-lived pre-signed URL on
 * its media CDN. https://www.twilio.com/docs/messaging/api/media-resource
 */
import type { InboundAttachment } from '../../src/channels/contract.ts';
import { readCapped } from '../../src/shared/http.ts';
import type { TwilioMediaRef } from './inbound.ts';

/**
 * Largest file we download. WhatsApp media goes up to 16 MB, MMS up to 5 MB
 * (https://www.twilio.com/docs/messaging/guides/accepted-mime-types); anything bigger is
 * not something Twilio delivered whole, so we stop reading rather than fill memory.
 */
export const MAX_MEDIA_BYTES = 16 * 1024 * 1024;
const MAX_REDIRECTS = 5;

export interface TwilioMediaOptions {
  fetch: typeof fetch;
  accountSid: string;
  authToken: string;
  /** The REST base: credentials are only ever sent to it. */
  apiUrl: string;
  maxBytes?: number;
}

/** What came of a message's media: the files, and a line for each one we could not relay. */
export interface TwilioMediaResult {
  attachments: InboundAttachment[];
  skipped: string[];
}

/** A failure worth Twilio retrying the webhook for (network, 5xx). */
export class TwilioMediaUnavailableError extends Error {
  override readonly name = 'TwilioMediaUnavailableError';
}

/**
 * Downloads each piece of media. A permanent refusal (4xx, too large) skips that file with a
 * note for the agent; a transient failure throws TwilioMediaUnavailableError so the webhook
 * answers 500 and Twilio tries again.
 */
export async function downloadTwilioMedia(refs: TwilioMediaRef[], options: TwilioMediaOptions): Promise<TwilioMediaResult> {
  const result: TwilioMediaResult = { attachments: [], skipped: [] };
  for (const [index, ref] of refs.entries()) {
    const name = mediaName(ref, index);
    const outcome = await downloadOne(ref.url, options);
    if (typeof outcome === 'string') {
      result.skipped.push(`${name} (${ref.contentType}) could not be relayed: ${outcome}`);
      continue;
    }
    result.attachments.push({ name, contentType: ref.contentType || outcome.contentType, data: outcome.data });
  }
  return result;
}

async function downloadOne(
  mediaUrl: string,
  options: TwilioMediaOptions,
): Promise<{ data: Uint8Array; contentType: string } | string> {
  const maxBytes = options.maxBytes ?? MAX_MEDIA_BYTES;
  // A MediaUrl that is not an http(s) URL will never download: a note for the agent, not a
  // retry Twilio would repeat for ever.
  if (!httpUrl(mediaUrl)) return 'not an http(s) link';
  let url = mediaUrl;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    // Credentials go only with the first request, and only to Twilio's API: the redirect
    // target is pre-signed, and a second auth mechanism there is refused (and would leak
    // the auth token to the CDN).
    const headers: Record<string, string> = {};
    if (hop === 0 && httpUrl(url)!.origin === new URL(options.apiUrl).origin) {
      headers.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
    }
    let response: Response;
    try {
      response = await options.fetch(url, { headers, redirect: 'manual' });
    } catch (error) {
      throw new TwilioMediaUnavailableError(`could not fetch ${mediaUrl}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location) return `redirect ${response.status} without a Location`;
      const next = httpUrl(location, url);
      if (!next) return `redirect ${response.status} to something other than an http(s) link`;
      url = next.href;
      continue;
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw new TwilioMediaUnavailableError(`fetching ${mediaUrl} answered ${response.status}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      return response.status === 401 ? 'Twilio refused our credentials' : `Twilio answered ${response.status}`;
    }
    const data = await readCapped(response, maxBytes);
    if (!data) return `larger than ${Math.round(maxBytes / 1024 / 1024)} MB`;
    return { data, contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
  }
  return 'too many redirects';
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/amr': 'amr',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'application/pdf': 'pdf',
  'text/vcard': 'vcf',
  'text/x-vcard': 'vcf',
};

/** `value` (relative to `base`) as an http(s) URL, or undefined when it is not one. */
function httpUrl(value: string, base?: string): URL | undefined {
  const url = URL.parse(value, base);
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? url : undefined;
}

/** Twilio sends no file names: name each file by its Media SID (ME…) and type. */
function mediaName(ref: TwilioMediaRef, index: number): string {
  const last = httpUrl(ref.url)?.pathname.split('/').pop() ?? '';
  const base = /^ME[0-9a-f]{32}$/i.test(last) ? last : `attachment-${index + 1}`;
  const type = ref.contentType.split(';')[0]!.trim().toLowerCase();
  const ext = EXTENSIONS[type] ?? (/^[a-z0-9]+$/.test(type.split('/')[1] ?? '') ? type.split('/')[1] : 'bin');
  return `${base}.${ext}`;
}
