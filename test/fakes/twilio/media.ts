/**
 * Incoming media as Twilio serves it: a Media resource under the REST API that requires HTTP
 * basic auth and redirects to a short-lived pre-signed URL on the media CDN.
 * https://www.twilio.com/docs/messaging/api/media-resource
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicAuthMatches, type EmulatorState, newSid, sendError } from './state.ts';

/** How long a redirect target stays valid: four hours, as Twilio's. */
const CDN_URL_TTL_MS = 4 * 60 * 60 * 1000;

/** Stores a file under a message and returns its MediaUrl. */
export function addMedia(state: EmulatorState, messageSid: string, media: { data: Uint8Array; contentType: string }): string {
  const mediaSid = newSid('ME');
  state.media.set(mediaSid, media);
  return `${state.baseUrl}/2010-04-01/Accounts/${state.accountSid}/Messages/${messageSid}/Media/${mediaSid}`;
}

/** Serves media URLs and their CDN redirects; false when the path is neither. */
export function handleMedia(req: IncomingMessage, res: ServerResponse, state: EmulatorState): boolean {
  const path = new URL(req.url ?? '/', state.baseUrl).pathname;
  const resource = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/[^/]+\/Media\/(ME[0-9a-f]{32})$/.exec(path);
  const cdn = /^\/cdn\/media\/([0-9a-f]{48})$/.exec(path);
  if (!resource && !cdn) return false;
  const authorized = basicAuthMatches(req.headers.authorization, state);
  const record = (status: number) => state.mediaFetches.push({ path, authorized, status });

  if (resource) {
    if (!authorized || resource[1] !== state.accountSid) {
      record(401);
      sendError(res, 401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
      return true;
    }
    if (!state.media.has(resource[2]!)) {
      record(404);
      sendError(res, 404, 20404, `The requested resource ${path} was not found`);
      return true;
    }
    const token = randomBytes(24).toString('hex');
    state.cdnTokens.set(token, { mediaSid: resource[2]!, expires: state.now() + CDN_URL_TTL_MS });
    record(302);
    res.writeHead(302, { location: `${state.baseUrl}/cdn/media/${token}`, 'content-length': 0 });
    res.end();
    return true;
  }

  const grant = state.cdnTokens.get(cdn![1]!);
  // The CDN URL is pre-signed, like an S3 one, which refuses a request that also carries an
  // Authorization header: a client must not forward Twilio credentials across the redirect.
  if (req.headers.authorization) {
    record(400);
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('Only one auth mechanism allowed');
    return true;
  }
  if (!grant || grant.expires < state.now()) {
    record(403);
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('Request has expired');
    return true;
  }
  const media = state.media.get(grant.mediaSid)!;
  record(200);
  res.writeHead(200, { 'content-type': media.contentType, 'content-length': media.data.byteLength });
  res.end(req.method === 'HEAD' ? undefined : Buffer.from(media.data));
  return true;
}
