import type { Hono } from 'hono';
import { ChannelInputError } from '../channels/contract.ts';
import type { AppEnv } from '../http/app.ts';
import { readBody } from '../shared/http.ts';
import type { Ack, Dispatch } from './dispatch.ts';
import { verifySlackSignature } from './verify.ts';

/** Slack's default Request URL for events, slash commands and interactivity alike. */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * `POST /slack/events` on the app's own hono server. The signature and its five-minute window
 * are checked on the raw body before anything else: a forged or stale request gets 401 and
 * changes nothing; an unreadable body gets 400. Then the dispatcher acknowledges.
 * https://docs.slack.dev/apis/events-api/using-http-request-urls
 */
export function slackRoutes(app: Hono<AppEnv>, deps: { signingSecret: string; dispatch: Dispatch }): void {
  app.post(SLACK_EVENTS_PATH, async (c) => {
    const raw = new TextDecoder().decode(await readBody(c.req.raw));
    verifySlackSignature({
      signingSecret: deps.signingSecret,
      timestamp: c.req.header('x-slack-request-timestamp') ?? null,
      signature: c.req.header('x-slack-signature') ?? null,
      body: raw,
      nowMs: Date.now(),
    });
    const body = parseSlackBody(c.req.header('content-type'), raw);
    const retryNum = Number(c.req.header('x-slack-retry-num'));
    const ack = await deps.dispatch(body, {
      ...(Number.isInteger(retryNum) ? { num: retryNum } : {}),
      ...(c.req.header('x-slack-retry-reason') ? { reason: c.req.header('x-slack-retry-reason')! } : {}),
    });
    return ackResponse(ack);
  });
}

/**
 * The three shapes Slack posts: Events API JSON; a slash command's form fields; an
 * interaction's JSON in the `payload` form field. Slack never repeats a form field, so a
 * repeated one (two `user_id`s, two `payload`s) is refused rather than one of them picked.
 * https://docs.slack.dev/interactivity/handling-user-interaction#payloads
 */
export function parseSlackBody(contentType: string | undefined, raw: string): Record<string, unknown> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    const body = parseJson(raw, 'body');
    if (typeof body.type !== 'string') throw new ChannelInputError('type: not a Slack event: no type', { field: 'type' });
    return withSlackIds(body);
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(raw);
    const keys = [...form.keys()];
    const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
    if (repeated !== undefined) throw new ChannelInputError(`${repeated}: given more than once`, { field: repeated });
    const payload = form.get('payload');
    if (payload !== null) {
      const body = parseJson(payload, 'payload');
      if (typeof body.type !== 'string') throw new ChannelInputError('type: not a Slack interaction: no type', { field: 'type' });
      return withSlackIds(body);
    }
    const fields = Object.fromEntries(form);
    if (typeof fields.command !== 'string' || !fields.command.startsWith('/')) {
      throw new ChannelInputError('command: not a Slack command or interaction', { field: 'command' });
    }
    return withSlackIds(fields);
  }
  throw new ChannelInputError(`unsupported content type ${type || '(none)'}`, { status: 415 });
}

/** A field of an object, or undefined when `value` is none. */
const fieldOf = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);

/** Where Slack names the workspace (and its Enterprise Grid org) a request comes from. */
const WORKSPACE_IDS: [string, (body: Record<string, unknown>) => unknown][] = [
  ['team_id', (b) => b.team_id],
  ['enterprise_id', (b) => b.enterprise_id],
  ['team.id', (b) => fieldOf(b.team, 'id')],
  ['enterprise.id', (b) => fieldOf(b.enterprise, 'id')],
  ['user.team_id', (b) => fieldOf(b.user, 'team_id')],
];

/**
 * Slack's ids are upper-case letters and digits. Bolt looks its per-workspace clients up by
 * team id in a plain object, so an id such as `valueOf` or `__proto__` (found by the fuzzer)
 * made it throw, a 500; such a request is refused with 400 instead.
 */
function withSlackIds(body: Record<string, unknown>): Record<string, unknown> {
  // Bolt also dispatches on `type` through plain objects: `valueOf` is no type Slack sends.
  if (typeof body.type === 'string' && body.type in Object.prototype) throw new ChannelInputError('type: not a Slack event or interaction type', { field: 'type' });
  for (const [field, read] of WORKSPACE_IDS) {
    const value = read(body);
    if (typeof value === 'string' && !/^[A-Z0-9]+$/.test(value)) throw new ChannelInputError(`${field}: not a Slack id`, { field });
  }
  return body;
}

function parseJson(text: string, field: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChannelInputError(`${field} is not valid JSON`, { field });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ChannelInputError(`${field} is not a JSON object`, { field });
  return value as Record<string, unknown>;
}

function ackResponse(ack: Ack): Response {
  if (ack === undefined) return new Response(null, { status: 200 });
  if (typeof ack === 'string') return new Response(ack, { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return Response.json(ack);
}
