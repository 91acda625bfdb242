import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ChannelAuthError, ChannelInputError } from '../channels/contract.ts';
import { ConflictError, ForbiddenError, IllegalTransitionError, NotFoundError, RateLimitedError, ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  /** The scope a 403 needed. */
  scope?: string;
  /** Seconds until a 429's caller may try again (also the Retry-After header). */
  retryAfter?: number;
  requestId?: string;
}

/** Maps a typed error to its status and body: the one place HTTP errors are decided. */
export function toErrorResponse(error: unknown): { status: ContentfulStatusCode; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof ForbiddenError) return { status: 403, body: { error: 'forbidden', message: error.message, scope: error.scope } };
  if (error instanceof RateLimitedError) {
    const seconds = error.retryAfterSeconds;
    return { status: 429, body: { error: 'rate_limited', message: error.message, retryAfter: seconds }, headers: { 'retry-after': String(seconds) } };
  }
  if (error instanceof ChannelAuthError) return { status: error.status, body: { error: 'unauthorized', message: error.message } };
  if (error instanceof ChannelInputError) {
    const code = error.status === 413 ? 'body_too_large' : error.status === 422 ? 'invalid_field' : 'invalid_request';
    return { status: error.status, body: { error: code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
  }
  if (error instanceof ValidationError) {
    return { status: 422, body: { error: 'invalid_field', message: error.message, ...(error.field ? { field: error.field } : {}) } };
  }
  if (error instanceof NotFoundError) return { status: 404, body: { error: 'not_found', message: error.message } };
  if (error instanceof IllegalTransitionError || error instanceof ConflictError) {
    return { status: 409, body: { error: 'conflict', message: error.message } };
  }
  if (error instanceof HTTPException) {
    return { status: error.status as ContentfulStatusCode, body: { error: 'http_error', message: error.message || 'request refused' } };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error' } };
}

/** hono's onError: answers JSON, logs server-side failures with the request id. */
export function onError(logger: Logger) {
  return (error: Error, c: Context) => {
    const { status, body, headers } = toErrorResponse(error);
    const requestId = c.get('requestId' as never) as string | undefined;
    if (status >= 500) logger.error({ err: error, path: c.req.path }, 'request failed');
    else logger.info({ status, error: body.error, message: body.message, path: c.req.path }, 'request refused');
    return c.json({ ...body, ...(requestId ? { requestId } : {}) }, status, headers);
  };
}
