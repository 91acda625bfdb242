/**
 * The emulator's URLs besides the Web API: the upload URL of files.getUploadURLExternal,
 * the files' url_private, and the response_url handed out with commands and actions.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeEqual } from '../../../src/shared/crypto.ts';
import { applyMessageResponse } from './effects.ts';
import { faultError, type Faults } from './faults.ts';
import { formData, readBody, sendJson, sendText } from './http-body.ts';
import type { UploadTokens } from './methods/files.ts';
import type { Workspace } from './workspace.ts';
import type { Json, RecordedCall, ResponseUrlPost } from './types.ts';

export interface RouteDeps {
  ws: Workspace;
  uploads: UploadTokens;
  faults: Faults;
  calls: RecordedCall[];
  responses: ResponseUrlPost[];
}

/**
 * Step 2 of upload v2. The WebClient POSTs multipart/form-data (field `body`); raw bytes
 * work too. Slack answers `200 "OK - <bytes>"`.
 */
export async function handleUpload(deps: RouteDeps, req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
  const { ws, uploads, faults, calls } = deps;
  const receivedAt = Date.now();
  const raw = await readBody(req);
  const fault = faults.take('upload');
  const fileId = uploads.get(token);
  const record = (status: number, bytes = 0) =>
    calls.push({ method: 'upload', args: { file_id: fileId ?? null, bytes }, token: undefined, status, response: {}, receivedAt, at: Date.now() });
  if (fault === 'reset') {
    record(0);
    req.socket.destroy();
    return;
  }
  if (fault !== undefined) {
    record(fault);
    sendJson(res, fault, { ok: false, error: faultError(fault) });
    return;
  }
  const file = fileId ? ws.files.get(fileId) : undefined;
  if (!file) {
    record(404);
    sendText(res, 404, 'Not Found');
    return;
  }
  const type = req.headers['content-type'] ?? '';
  let bytes = raw;
  if (type.startsWith('multipart/form-data')) {
    const form = await formData(type, raw);
    const part = [...form.values()].find((v) => typeof v !== 'string') ?? [...form.values()][0];
    bytes = typeof part === 'string' ? Buffer.from(part) : part ? Buffer.from(await part.arrayBuffer()) : Buffer.alloc(0);
  }
  file.bytes = bytes;
  record(200, bytes.length);
  sendText(res, 200, `OK - ${bytes.length}`);
}

/**
 * url_private needs the bot token in `Authorization: Bearer`. Without it Slack does not
 * answer an error status: it serves its HTML sign-in page with 200, a classic trap when
 * relaying files. https://docs.slack.dev/messaging/working-with-files#authentication
 */
export function handleFileDownload(ws: Workspace, req: IncomingMessage, res: ServerResponse, teamAndFile: string): void {
  const fileId = teamAndFile.slice(teamAndFile.indexOf('-') + 1);
  const file = ws.files.get(fileId);
  const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!token || !safeEqual(token, ws.tokens.bot)) {
    sendText(res, 200, '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>', 'text/html; charset=utf-8');
    return;
  }
  if (!file?.bytes || !file.completed) {
    sendText(res, 404, 'file_not_found');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
  res.end(file.bytes);
}

/**
 * A response_url: JSON message bodies, "up to 5 times within 30 minutes".
 * https://docs.slack.dev/interactivity/handling-user-interaction#message_responses
 */
export async function handleResponseUrl(deps: RouteDeps, req: IncomingMessage, res: ServerResponse, id: string, url: string): Promise<void> {
  const { ws, responses: posts } = deps;
  const raw = await readBody(req);
  const grant = ws.responseUrls.get(id);
  let body: Json = {};
  try {
    body = JSON.parse(raw.toString('utf8')) as Json;
  } catch {
    body = { text: raw.toString('utf8') };
  }
  const refuse = (status: number, error: string) => {
    if (grant) posts.push({ url, origin: grant.origin, user: grant.user, channel: grant.channel, body, status });
    sendJson(res, status, { ok: false, error });
  };
  if (!grant) return sendJson(res, 404, { ok: false, error: 'no_such_url' });
  if (Date.now() > grant.expiresAt) return refuse(404, 'expired_url');
  if (grant.uses >= 5) return refuse(404, 'used_url');
  grant.uses += 1;
  posts.push({ url, origin: grant.origin, user: grant.user, channel: grant.channel, body, status: 200 });
  applyMessageResponse(ws, grant, body, 'response_url');
  sendJson(res, 200, { ok: true });
}
