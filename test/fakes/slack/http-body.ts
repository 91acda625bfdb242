/**
 * Reading requests and writing answers on node:http, the way Slack's Web API reads them:
 * arguments from the query string and from a form-encoded, multipart or JSON body.
 * https://docs.slack.dev/apis/web-api/#posting_json
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json } from './types.ts';

/** Bodies beyond this are refused; Slack's own limit for API calls is far lower than uploads'. */
const MAX_BODY = 50 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export type ParsedArgs = { args: Json; json: boolean; warnings: string[] } | { error: string };

export async function parseArgs(contentType: string | undefined, raw: Buffer, query: URLSearchParams): Promise<ParsedArgs> {
  const args: Json = Object.fromEntries(query);
  if (raw.length === 0) return { args, json: false, warnings: [] };
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    return { args: { ...args, ...Object.fromEntries(new URLSearchParams(raw.toString('utf8'))) }, json: false, warnings: [] };
  }
  if (type === 'application/json') {
    try {
      const body = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'invalid_json' };
      // Slack answers JSON without "charset=utf-8" but warns about it.
      const warnings = /charset=utf-8/i.test(contentType ?? '') ? [] : ['missing_charset'];
      return { args: { ...args, ...(body as Json) }, json: true, warnings };
    } catch {
      return { error: 'invalid_json' };
    }
  }
  if (type === 'multipart/form-data') {
    const form = await formData(contentType!, raw).catch(() => undefined);
    if (!form) return { error: 'invalid_form_data' };
    const fields: Json = {};
    for (const [key, value] of form) fields[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
    return { args: { ...args, ...fields }, json: false, warnings: [] };
  }
  return { error: type ? 'invalid_post_type' : 'missing_post_type' };
}

/** Parses multipart/form-data with the platform's own parser (undici's Response.formData). */
export function formData(contentType: string, raw: Buffer): Promise<FormData> {
  return new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
