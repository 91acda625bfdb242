/**
 * The emulator's Messages REST resource: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`
 * validated as Twilio validates it, rate limited per sender, and recorded.
 * https://www.twilio.com/docs/messaging/api/message-resource
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { scheduleStatusCallbacks } from './webhooks.ts';
import {
  basicAuthMatches,
  type EmulatedMessage,
  type EmulatorState,
  type Fault,
  newSid,
  rfc2822,
  sendError,
  sendJson,
} from './state.ts';

const E164 = /^\+[1-9]\d{6,14}$/;
const FAULT_MESSAGES: Record<number, [number, string]> = {
  429: [20429, 'Too Many Requests'],
  500: [20500, 'Internal Server Error'],
  503: [20503, 'Service Unavailable'],
};
const RECIPIENT_ERRORS: Record<number, string> = {
  21211: "The 'To' number %s is not a valid phone number.",
  21408: 'Permission to send an SMS has not been enabled for the region indicated by the \'To\' number: %s.',
  21610: 'Attempt to send to unsubscribed recipient',
  21612: "The 'To' phone number: %s, is not currently reachable using the 'From' phone number via SMS.",
  21614: "'To' number %s is not a valid mobile number",
};

/** Handles one REST request; false when the path is not the REST API's. */
export async function handleRest(req: IncomingMessage, res: ServerResponse, state: EmulatorState): Promise<boolean> {
  const url = new URL(req.url ?? '/', state.baseUrl);
  const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/.exec(url.pathname);
  if (!match) return false;
  const params = await readForm(req);
  const call = { method: req.method ?? 'GET', path: url.pathname, params, status: 0 } as EmulatorState['calls'][number];
  state.calls.push(call);
  const answer = (status: number, code: number, message: string, headers?: Record<string, string>) => {
    call.status = status;
    call.code = code;
    sendError(res, status, code, message, headers);
  };

  const fault = takeFault(state);
  if (fault && 'status' in fault) {
    const [code, message] = FAULT_MESSAGES[fault.status]!;
    const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
    answer(fault.status, fault.code ?? code, fault.message ?? message, headers);
    return true;
  }
  if (fault && 'drop' in fault && fault.drop === 'before') {
    call.dropped = true;
    res.socket?.destroy();
    return true;
  }
  // Processed, then no answer: the connection closes where the answer would have been, or
  // stays open with nothing coming.
  const respond = !fault
    ? (status: number, body: unknown) => sendJson(res, status, body)
    : 'hang' in fault
      ? () => void state.hung.add(res)
      : () => void res.socket?.destroy();
  if (fault) call.dropped = true;
  // The account in the path must be the one authenticating (https://www.twilio.com/docs/api/errors/20003).
  if (!basicAuthMatches(req.headers.authorization, state) || match[1] !== state.accountSid) {
    answer(401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    return true;
  }
  if (req.method === 'GET' && match[2]) {
    const message = state.messages.find((m) => m.sid === match[2]);
    if (!message) answer(404, 20404, `The requested resource ${url.pathname} was not found`);
    else {
      call.status = 200;
      respond(200, resource(message, state));
    }
    return true;
  }
  if (req.method === 'GET') {
    const page = listPage(url, state);
    if (typeof page === 'string') answer(400, 20001, page);
    else {
      call.status = 200;
      respond(200, page);
    }
    return true;
  }
  if (req.method !== 'POST' || match[2]) {
    answer(405, 20004, 'Method not allowed');
    return true;
  }

  const first = (key: string) => params[key]?.[0];
  const invalid = validate(params, state);
  if (invalid) {
    answer(400, invalid[0], invalid[1]);
    return true;
  }
  const serviceSid = first('MessagingServiceSid');
  const to = first('To')!;
  const from = first('From') ?? pickFromPool(state.messagingServices.get(serviceSid!) ?? [], to);
  const limited = takeToken(state, from ?? serviceSid!);
  if (limited !== undefined) {
    // Stricter than Twilio, which queues excess messages per sender and fails them with 30001
    // after hours: answering 429 here proves the app paces itself to the sender's rate.
    answer(429, 20429, 'Too Many Requests', { 'retry-after': String(limited) });
    return true;
  }

  const mediaUrls = params.MediaUrl ?? [];
  const message: EmulatedMessage = {
    sid: newSid(mediaUrls.length ? 'MM' : 'SM'),
    from,
    to,
    body: first('Body') ?? '',
    mediaUrls,
    ...(first('StatusCallback') ? { statusCallback: first('StatusCallback')! } : {}),
    ...(serviceSid ? { messagingServiceSid: serviceSid } : {}),
    ...(first('ContentSid') ? { contentSid: first('ContentSid')! } : {}),
    ...(first('ContentVariables') ? { contentVariables: first('ContentVariables')! } : {}),
    // A Messaging Service first accepts the message, then assigns a sender and queues it
    // (https://www.twilio.com/docs/messaging/guides/outbound-message-status-in-status-callbacks).
    status: serviceSid && !first('From') ? 'accepted' : 'queued',
    numSegments: segmentCount(first('Body') ?? ''),
    dateCreated: new Date(state.now()),
    dateSent: null,
  };
  state.messages.push(message);
  call.status = 201;
  respond(201, resource(message, state));
  if (message.statusCallback && state.autoStatus) scheduleStatusCallbacks(state, message);
  return true;
}

/**
 * One page of `GET …/Messages.json` (https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources):
 * filtered by `To`, `From` and `DateSent` (`DateSent>=` / `DateSent<=` as inequalities; a date
 * `YYYY-MM-DD` or a date-time, in GMT), most recent first, `PageSize` (default 50, at most
 * 1000) per page, paged by `Page` and the `PageToken` cursor `next_page_uri` carries. A message
 * not yet sent has no `date_sent`, so any DateSent filter leaves it out, as Twilio's does. Only
 * messages created through the API are held here, not the customers' inbound ones.
 */
function listPage(url: URL, state: EmulatorState): Record<string, unknown> | string {
  const query = url.searchParams;
  const pageSize = query.has('PageSize') ? Number(query.get('PageSize')) : 50;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) return `PageSize must be an integer from 1 to 1000, got ${query.get('PageSize')}`;
  const page = query.has('Page') ? Number(query.get('Page')) : 0;
  if (!Number.isInteger(page) || page < 0) return `Page must be a non-negative integer, got ${query.get('Page')}`;
  const filters: ((m: EmulatedMessage) => boolean)[] = [];
  if (query.has('To')) filters.push((m) => m.to === query.get('To'));
  if (query.has('From')) filters.push((m) => m.from === query.get('From'));
  for (const [key, op] of [['DateSent', '='], ['DateSent>', '>='], ['DateSent<', '<=']] as const) {
    const value = query.get(key);
    if (value === null) continue;
    const range = dateRange(value);
    if (!range) return `${key} must be a date (YYYY-MM-DD) or a date-time, got ${value}`;
    filters.push((m) => {
      if (!m.dateSent) return false;
      const t = m.dateSent.getTime();
      return op === '=' ? t >= range.from && t < range.to : op === '>=' ? t >= range.from : t < range.to;
    });
  }
  const all = state.messages
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => filters.every((f) => f(m)))
    .sort((a, b) => b.m.dateCreated.getTime() - a.m.dateCreated.getTime() || b.i - a.i)
    .map(({ m }) => m);
  const token = query.get('PageToken');
  const after = token ? all.findIndex((m) => `PA${m.sid}` === token) + 1 : page * pageSize;
  const items = all.slice(after, after + pageSize);
  const base = `/2010-04-01/Accounts/${state.accountSid}/Messages.json`;
  const kept = [...query].filter(([key]) => !['Page', 'PageToken', 'PageSize'].includes(key));
  const uri = (extra: [string, string][]) => `${base}?${new URLSearchParams([...kept, ['PageSize', String(pageSize)], ...extra]).toString()}`;
  const last = items.at(-1);
  return {
    end: page * pageSize + Math.max(0, items.length - 1),
    first_page_uri: uri([['Page', '0']]),
    messages: items.map((m) => resource(m, state)),
    next_page_uri: last && after + items.length < all.length ? uri([['Page', String(page + 1)], ['PageToken', `PA${last.sid}`]]) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uri([['Page', String(page - 1)]]) : null,
    start: page * pageSize,
    uri: uri([['Page', String(page)], ...(token ? ([['PageToken', token]] as [string, string][]) : [])]),
  };
}

/** The instants a DateSent value covers: a whole GMT day for `YYYY-MM-DD`, one instant for a date-time. */
function dateRange(value: string): { from: number; to: number } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(from) ? undefined : { from, to: from + 86_400_000 };
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : { from: at, to: at + 1 };
}

function validate(params: Record<string, string[]>, state: EmulatorState): [number, string] | undefined {
  const first = (key: string) => params[key]?.[0];
  const to = first('To');
  const from = first('From');
  const service = first('MessagingServiceSid');
  const body = first('Body');
  const media = params.MediaUrl ?? [];
  // Codes and wording from https://www.twilio.com/docs/api/errors/<code>.
  if (!to) return [21604, "A 'To' phone number is required."];
  if (!from && !service) return [21603, "A 'From' phone number is required."];
  if (service && state.messagingServices.size && !state.messagingServices.has(service)) return [21705, 'The Messaging Service is invalid'];
  if (!body && !media.length && !first('ContentSid')) {
    return service ? [21619, 'A text message body, media URL or Content SID is required'] : [21602, 'Message body is required.'];
  }
  if (first('ContentVariables') && !first('ContentSid')) return [21654, 'ContentSid Required'];
  if (body && [...body].length > 1600) return [21617, 'The concatenated message body exceeds the 1600 character limit.'];
  if (media.some((url) => !/^https?:\/\//i.test(url))) {
    return [21620, `Media urls: ${media.join(', ')} are invalid. Please use only valid http and https urls`];
  }
  const toChannel = /^whatsapp:/i.test(to) ? 'whatsapp' : 'sms';
  const number = to.replace(/^whatsapp:/i, '');
  if (!E164.test(number)) return [21211, `The 'To' number ${to} is not a valid phone number.`];
  if (from) {
    const fromChannel = /^whatsapp:/i.test(from) ? 'whatsapp' : 'sms';
    if (fromChannel !== toChannel) return [21910, "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel"];
    if (state.senders.size && !state.senders.has(from)) {
      return fromChannel === 'whatsapp'
        ? [63007, "Twilio could not find a Channel with the specified 'From' address"]
        : [21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`];
    }
  }
  const refused = state.refusedRecipients.get(number);
  if (refused) return [refused, (RECIPIENT_ERRORS[refused] ?? `Error ${refused}`).replace('%s', number)];
  return undefined;
}

/** The Message resource as the 201 answer carries it. */
export function resource(message: EmulatedMessage, state: EmulatorState) {
  const uri = `/2010-04-01/Accounts/${state.accountSid}/Messages/${message.sid}`;
  return {
    account_sid: state.accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: rfc2822(message.dateCreated),
    date_sent: message.dateSent ? rfc2822(message.dateSent) : null,
    date_updated: rfc2822(message.dateSent ?? message.dateCreated),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: message.messagingServiceSid ?? null,
    num_media: String(message.mediaUrls.length),
    // Twilio reports 0 segments until a Messaging Service has assigned a sender.
    num_segments: String(message.status === 'accepted' ? 0 : message.numSegments),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: `${uri}/Media.json` },
    to: message.to,
    uri: `${uri}.json`,
  };
}

function takeFault(state: EmulatorState): Fault | undefined {
  const queued = state.faults.next.shift();
  if (queued) return queued;
  const until = state.faults.until;
  if (until && state.now() < until.at) return until.fault;
  return undefined;
}

/** A token bucket per sender; undefined when a send may go now, else seconds to wait. */
function takeToken(state: EmulatorState, sender: string): number | undefined {
  const rate = state.sendsPerSecond;
  const capacity = Math.max(1, rate);
  const now = state.now();
  const bucket = state.buckets.get(sender) ?? { tokens: capacity, at: now };
  bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rate);
  bucket.at = now;
  state.buckets.set(sender, bucket);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return undefined;
  }
  return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
}

function pickFromPool(pool: string[], to: string): string | null {
  if (!pool.length) return null;
  let hash = 0;
  for (const char of to) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return pool[hash % pool.length]!;
}

/**
 * Segments as Twilio counts them, written independently of the adapter's count so each
 * checks the other: GSM-7 160/153 with extension characters counting twice, else UTF-16
 * 70/67, never splitting an escape or a surrogate pair.
 */
function segmentCount(text: string): number {
  const gsm = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f^{}\\[~\]|€]*$/.test(text);
  const units = [...text].map((c) => (gsm ? ('\f^{}\\[~]|€'.includes(c) ? 2 : 1) : c.length));
  const total = units.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  if (total <= (gsm ? 160 : 70)) return 1;
  const size = gsm ? 153 : 67;
  let segments = 1;
  let used = 0;
  for (const unit of units) {
    if (used + unit > size) [segments, used] = [segments + 1, 0];
    used += unit;
  }
  return segments;
}

async function readForm(req: IncomingMessage): Promise<Record<string, string[]>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const params: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) (params[key] ??= []).push(value);
  return params;
}
