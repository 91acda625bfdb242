import { ChannelSendError, type OutboundMessage, type SendResult } from '../../src/channels/contract.ts';
import { SIGNATURE_HEADER, switchboardSignature } from '../../src/shared/crypto.ts';
import { retryAfterMs } from '../../src/shared/http.ts';
import type { ApiOutboundBody } from './types.ts';

export interface ApiSendOptions {
  token: string;
  webhookUrl: string | undefined;
  fetch: typeof fetch;
  now(): number;
}

// A receiver that hangs must not hold a delivery job for long; the job retries.
const SEND_TIMEOUT_MS = 10_000;

/**
 * POSTs an agent's reply to API_CHANNEL_WEBHOOK_URL, signed with
 * `X-Switchboard-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed by the token>`, its
 * `id` also as `Idempotency-Key`: a reply sent again (its first send got no answer) carries the
 * same one, and the receiver shows it once. Any non-2xx answer is retryable (Retry-After
 * honoured); our message id is the external id.
 */
export async function sendApiReply(message: OutboundMessage, options: ApiSendOptions): Promise<SendResult> {
  if (!options.webhookUrl) {
    throw new ChannelSendError('API_CHANNEL_WEBHOOK_URL is not set, so replies to API conversations cannot be delivered', {
      retryable: false,
      code: 'no_webhook_url',
    });
  }
  const payload: ApiOutboundBody = {
    ticket: message.ticket,
    id: message.id,
    to: message.to,
    conversation: message.conversation,
    text: message.text,
  };
  if (message.attachments.length > 0) {
    payload.attachments = await Promise.all(
      message.attachments.map(async (a) => ({
        name: a.name,
        contentType: a.contentType,
        size: a.size,
        ...(a.url ? { url: a.url } : { data: Buffer.from(await a.read()).toString('base64') }),
      })),
    );
  }
  const raw = JSON.stringify(payload);
  let response: Response;
  try {
    response = await options.fetch(options.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: switchboardSignature(options.token, raw), 'idempotency-key': message.id },
      body: raw,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (error) {
    // No answer: unless the connection was refused, the receiver may have taken it.
    const code = ((error as Error).cause as { code?: unknown } | undefined)?.code;
    throw new ChannelSendError(`webhook unreachable: ${(error as Error).message}`, { retryable: true, outcomeUnknown: code !== 'ECONNREFUSED', cause: error });
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new ChannelSendError(`webhook answered ${response.status}`, {
      retryable: true,
      rateLimited: response.status === 429,
      retryAfterMs: retryAfterMs(response.headers.get('retry-after'), options.now()),
      code: String(response.status),
    });
  }
  return { externalId: message.id, state: 'sent' };
}
