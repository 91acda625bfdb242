/**
 * A well-authenticated request whose content is wrong: answered 4xx with the message. The
 * channel contract re-exports it for adapters; the body readers below throw it (413).
 */
export class ChannelInputError extends Error {
  override readonly name = 'ChannelInputError';
  readonly status: 400 | 413 | 415 | 422;
  readonly field: string | undefined;
  constructor(message: string, options: { status?: 400 | 413 | 415 | 422; field?: string } = {}) {
    super(message);
    this.status = options.status ?? 400;
    this.field = options.field;
  }
}

/** The largest request body any webhook accepts, unless it says otherwise. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a request's or response's body up to `maxBytes` without buffering more: null (and
 * the stream cancelled) when it is larger, or declares itself larger. The bytes are an array
 * of their own, not a view into Node's shared buffer pool.
 */
export async function readCapped(message: Request | Response, maxBytes: number): Promise<Uint8Array | null> {
  const declared = message.headers.get('content-length');
  if (Number(declared ?? 0) > maxBytes) {
    await message.body?.cancel();
    return null;
  }
  // A declared length within the cap bounds the body (HTTP/1.1 framing ends it there) unless
  // it is compressed (fetch inflates it), so it is read whole: for a request on our own server
  // that reads Node's message directly, without building a web stream for it.
  const encoding = message.headers.get('content-encoding');
  if (declared !== null && /^\d+$/.test(declared) && (!encoding || encoding === 'identity')) {
    return new Uint8Array(await message.arrayBuffer());
  }
  if (!message.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = message.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const data = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return data;
}

/** Reads a request body, refusing (413) one larger than `maxBytes`. */
export async function readBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<Uint8Array> {
  const body = await readCapped(request, maxBytes);
  if (!body) throw new ChannelInputError(`request body is larger than ${maxBytes} bytes`, { status: 413 });
  return body;
}

/** Reads and parses a JSON body; malformed JSON is a 400 naming the problem. */
export async function readJson(request: Request, maxBytes = MAX_BODY_BYTES): Promise<{ raw: string; value: unknown }> {
  const raw = new TextDecoder().decode(await readBody(request, maxBytes));
  try {
    return { raw, value: JSON.parse(raw) };
  } catch (error) {
    throw new ChannelInputError(`body is not valid JSON: ${(error as Error).message}`, { status: 400 });
  }
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
