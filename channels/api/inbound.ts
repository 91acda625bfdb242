import { z } from 'zod';
import { ChannelAuthError, ChannelInputError, type InboundMessage } from '../../src/channels/contract.ts';
import { verifyBearer } from '../../src/shared/crypto.ts';
import type { ApiInboundBody } from './types.ts';

const body = z.strictObject({
  id: z.string().min(1).max(256),
  from: z.string().min(1).max(256),
  name: z.string().max(256).optional(),
  conversation: z.string().min(1).max(256).optional(),
  text: z.string().max(32_000),
  language: z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$/, { error: 'must be a language tag like en or pt-BR' }).optional(),
  attachments: z
    .array(z.strictObject({ name: z.string().min(1).max(256), contentType: z.string().min(1).max(256), data: z.base64() }))
    .max(10)
    .optional(),
});

/** Refuses a request without the channel's bearer token (401). */
export function verifyApiRequest(request: Request, token: string): void {
  const refusal = verifyBearer(request, token, 'API_CHANNEL_TOKEN');
  if (refusal) throw new ChannelAuthError(refusal);
}

/** Validates a parsed JSON body into a normalised inbound message; a bad field is a 422 naming it. */
export function parseApiInbound(value: unknown, now: Date): InboundMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ChannelInputError('body must be a JSON object', { status: 400 });
  }
  const parsed = body.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'body');
    const missing = issue.path.length === 1 && (value as Record<string, unknown>)[String(issue.path[0])] === undefined;
    const message = missing ? `${field} is required` : `${field}: ${issue.message}`;
    throw new ChannelInputError(message, { status: 422, field });
  }
  const data: ApiInboundBody = parsed.data;
  if (data.text.trim() === '' && !data.attachments?.length) {
    throw new ChannelInputError('text: a message needs text or at least one attachment', { status: 422, field: 'text' });
  }
  return {
    kind: 'message',
    channel: 'api',
    externalId: data.id,
    from: data.from,
    name: data.name,
    conversation: data.conversation ?? data.from,
    text: data.text,
    ...(data.language ? { language: data.language } : {}),
    attachments: (data.attachments ?? []).map((a) => ({ name: a.name, contentType: a.contentType, data: Buffer.from(a.data, 'base64') })),
    receivedAt: now,
  };
}
