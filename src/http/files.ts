import type { Hono } from 'hono';
import type { FileStore, StoredFile } from '../files/store.ts';
import { hmacSha256Hex, safeEqual } from '../shared/crypto.ts';
import { cleanText } from '../tickets/clean.ts';
import type { AppEnv } from './app.ts';

// Platforms such as Twilio fetch outbound media by URL, sometimes hours later when a send is
// queued or retried: links stay valid a week, and only for the file they were made for.
const LINK_TTL_MS = 7 * 86_400_000;

// `type/subtype` with optional parameters, in the characters a header value may hold.
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;\s*[\w!#$&^.+-]+=(?:[\w!#$&^.+-]+|"[^"\\\x00-\x1f\x7f-\uffff]*"))*$/;

/**
 * `inline` with the file's name: printable ASCII in `filename` (anything else replaced), and
 * the whole name in UTF-8 in `filename*` (RFC 6266), so a name in any script is a valid header.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const clean = cleanText(name).replace(/[\x00-\x1f\x7f]/g, '_');
  const encoded = encodeURIComponent(clean).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === name ? `inline; filename="${ascii}"` : `inline; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Signed, expiring links to stored files under PUBLIC_BASE_URL, for platforms that fetch a
 * reply's attachments themselves. The key never leaves the server.
 */
export function fileLinks(publicBaseUrl: string, key: string, now: () => number = Date.now) {
  const sign = (ref: string, name: string, type: string, expires: number) => hmacSha256Hex(key, `${ref}\n${name}\n${type}\n${expires}`);
  return {
    /** A link to `file` that works for LINK_TTL_MS. */
    url(file: StoredFile): string {
      const expires = Math.floor((now() + LINK_TTL_MS) / 1000);
      const query = new URLSearchParams({ type: file.contentType, expires: String(expires), signature: sign(file.ref, file.name, file.contentType, expires) });
      return `${publicBaseUrl}/files/${file.ref}/${encodeURIComponent(file.name)}?${query}`;
    },
    /** `GET /files/:ref/:name`: the file, if the link is genuine and unexpired; 404 otherwise. */
    routes(store: FileStore) {
      return (app: Hono<AppEnv>) => {
        app.get('/files/:ref/:name', async (c) => {
          const { ref, name } = c.req.param();
          const type = c.req.query('type') ?? '';
          const expires = Number(c.req.query('expires'));
          const signature = c.req.query('signature') ?? '';
          const genuine = /^[0-9a-f]{64}$/.test(ref) && Number.isFinite(expires) && safeEqual(signature, sign(ref, name, type, expires));
          if (!genuine || expires * 1000 < now()) return c.json({ error: 'not_found', message: 'no such file, or the link expired' }, 404);
          const data = await store.read(ref).catch(() => undefined);
          if (!data) return c.json({ error: 'not_found', message: 'no such file' }, 404);
          return c.body(new Uint8Array(data), 200, {
            'content-type': MEDIA_TYPE.test(type) ? type : 'application/octet-stream',
            'content-disposition': contentDisposition(name),
            'cache-control': 'private, max-age=3600',
          });
        });
      };
    },
  };
}
