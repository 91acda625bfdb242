/**
 * A Telegram Bot API emulator on 127.0.0.1, for telegraf's real client
 * (https://core.telegram.org/bots/api): `POST /bot<token>/<method>` with JSON, form or
 * multipart bodies, answering `{ ok, result }` or `{ ok: false, error_code, description,
 * parameters }`. It implements getMe, setWebhook, deleteWebhook, getWebhookInfo, getUpdates
 * (long-poll timeout, offset confirmation, 409 while a webhook is set or when a second poll
 * supersedes the first), sendMessage (with an inline keyboard), sendPhoto, sendDocument,
 * answerCallbackQuery, editMessageReplyMarkup, getFile and the file download at
 * `/file/bot<token>/<path>`; a customer pressing an inline button is a callback_query update. It enforces Telegram's pace (one message a second per chat, 30
 * a second overall: 429 with `parameters.retry_after`), answers 429/403/5xx on demand, and
 * records what each chat received, so tests assert what the customer saw.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InlineKeyboardMarkup, Message, Update, User } from 'telegraf/types';
import { messageOf, userOf, type Customer, type MessageInput } from './updates.ts';

export type { Customer, MessageInput } from './updates.ts';

export interface TelegramEmulatorOptions {
  /** `<bot id>:<secret>`; a random one by default. */
  token?: string;
  username?: string;
  /** Where a webhook registered with a public URL is actually posted (default: the URL itself). */
  route?: (publicUrl: string) => string;
  /** Messages a second one chat may receive (Telegram: about 1). */
  perChatPerSecond?: number;
  /** Messages a second the bot may send overall (Telegram: 30). */
  overallPerSecond?: number;
}

/** What a chat received from the bot. */
export interface ReceivedMessage {
  chat: string;
  message_id: number;
  method: 'sendMessage' | 'sendPhoto' | 'sendDocument';
  text?: string;
  caption?: string;
  file?: { name: string; contentType: string; data: Uint8Array };
  replyTo?: number;
  /** The inline keyboard under it now (an edit may have taken it off). */
  replyMarkup?: InlineKeyboardMarkup;
  at: number;
}

/** How the bot answered a button press (answerCallbackQuery). */
export interface CallbackAnswer {
  queryId: string;
  text?: string;
  showAlert: boolean;
}

export interface Fault {
  code: number;
  description?: string;
  /** For 429: seconds in `parameters.retry_after`. */
  retryAfter?: number;
}

export interface TelegramEmulator {
  /** The Bot API root to give the app as TELEGRAM_API_URL. */
  readonly url: string;
  readonly token: string;
  readonly bot: User;
  /** The webhook as registered with setWebhook, if any. */
  readonly webhook: { url: string; secret?: string; allowedUpdates?: string[] } | undefined;
  /** Every API call with the status answered. */
  readonly calls: readonly { method: string; status: number; chat?: string; at: number }[];
  /** Sends the pace limits refused with 429 (not counting faults injected on demand). */
  readonly limited: number;
  /** Every message the bot sent, in order. */
  readonly sent: readonly ReceivedMessage[];
  /** The highest offset a getUpdates call confirmed. */
  readonly confirmed: number;
  /** Updates not yet confirmed. */
  readonly pending: readonly Update[];
  /** Stores a file the customer sends; returns its file_id. */
  addFile(data: Uint8Array, name?: string): string;
  /** The customer writes: the update is queued for getUpdates and returned (post it with `deliver` in webhook mode). */
  customerWrites(input: MessageInput): Update & { message: Message };
  /** The customer edits one of their messages. */
  customerEdits(message: Message, text: string, editDate?: number): Update;
  /**
   * The customer presses the inline button labelled `label` under a message the bot sent: a
   * callback_query update, queued like any (post it with `deliver` in webhook mode). Throws when
   * the message has no such button, which no Telegram client could press.
   */
  customerPresses(message: ReceivedMessage, label: string, from: Customer): Update;
  /** The answers to button presses, in order. */
  readonly callbackAnswers: readonly CallbackAnswer[];
  /**
   * Queues an update again: as it was (a webhook delivery Telegram retries), or `asNew` under a
   * fresh update id (the same message reaching a poller again, as after an unconfirmed offset).
   */
  redeliver(update: Update, options?: { asNew?: boolean }): void;
  /** Posts an update to the registered webhook with its secret (or `secret`: a wrong one, or null for none). */
  deliver(update: Update, options?: { secret?: string | null }): Promise<Response>;
  /** What one chat received, oldest first. */
  received(chat: string | number): ReceivedMessage[];
  /**
   * Answers the next `count` calls of `method` (or any method but getUpdates, '*') with this
   * failure; with `after`, that many calls succeed first.
   */
  failNext(method: string, count: number, fault: Fault, options?: { after?: number }): void;
  /** The user blocked the bot: sends to their chat get 403 "Forbidden: bot was blocked by the user". */
  block(chat: string | number): void;
  /** Every call answers 401 Unauthorized while refused. */
  refuseToken(refuse?: boolean): void;
  close(): Promise<void>;
}

interface Waiter {
  wake(): void;
  supersede(): void;
}

export async function startTelegramEmulator(options: TelegramEmulatorOptions = {}): Promise<TelegramEmulator> {
  const token = options.token ?? `${100000000 + Math.floor(Math.random() * 899999999)}:${randomBytes(24).toString('base64url')}`;
  const botId = Number(token.split(':')[0]);
  const bot: User = { id: botId, is_bot: true, first_name: 'Support', username: options.username ?? 'switchboard_test_bot' };
  const perChatMs = 1000 / (options.perChatPerSecond ?? 1);
  const overall = options.overallPerSecond ?? 30;

  const files = new Map<string, { data: Uint8Array; path: string; name: string }>();
  const pending: Update[] = [];
  const sent: ReceivedMessage[] = [];
  const calls: { method: string; status: number; chat?: string; at: number }[] = [];
  const faults: { method: string; fault: Fault; skip: number }[] = [];
  const blocked = new Set<string>();
  const lastSend = new Map<string, number>();
  const recentSends: number[] = [];
  const messageIds = new Map<string, number>();
  // The bot's messages as the API returned them, by `chat:message_id`, for presses and edits.
  const botMessages = new Map<string, Record<string, unknown>>();
  const queries = new Map<string, { answered: boolean }>();
  const callbackAnswers: CallbackAnswer[] = [];
  const waiters = new Set<Waiter>();
  let webhook: TelegramEmulator['webhook'];
  let refused = false;
  let confirmed = 0;
  let nextUpdate = 1;
  let limited = 0;

  const nextMessageId = (chat: string) => {
    const id = (messageIds.get(chat) ?? 0) + 1;
    messageIds.set(chat, id);
    return id;
  };
  const queue = (update: Update) => {
    pending.push(structuredClone(update));
    pending.sort((a, b) => a.update_id - b.update_id);
    for (const waiter of waiters) waiter.wake();
  };

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const failure = (code: number, description: string, parameters?: Record<string, unknown>) => ({ ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

  async function params(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    const out: Record<string, unknown> = Object.fromEntries(url.searchParams);
    if (!body.length) return out;
    if (type.startsWith('application/json')) return { ...out, ...(JSON.parse(body.toString('utf8')) as Record<string, unknown>) };
    if (type.startsWith('application/x-www-form-urlencoded')) return { ...out, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
    if (type.startsWith('multipart/form-data')) {
      const form = await new Request('http://emulator/', { method: 'POST', headers: { 'content-type': type }, body }).formData();
      for (const [key, value] of form) {
        out[key] = typeof value === 'string' ? value : { name: value.name, contentType: value.type || 'application/octet-stream', data: new Uint8Array(await value.arrayBuffer()) };
      }
    }
    return out;
  }

  /** Telegram's pace: the send is refused with 429 when the chat or the bot is over its limit. */
  function paced(chat: string, now: number): { retryAfter: number } | undefined {
    while (recentSends.length && recentSends[0]! <= now - 1000) recentSends.shift();
    const last = lastSend.get(chat);
    if (last !== undefined && now - last < perChatMs) return { retryAfter: Math.max(1, Math.ceil((perChatMs - (now - last)) / 1000)) };
    if (recentSends.length >= overall) return { retryAfter: 1 };
    lastSend.set(chat, now);
    recentSends.push(now);
    return undefined;
  }

  async function send(method: ReceivedMessage['method'], p: Record<string, unknown>): Promise<{ status: number; body: unknown; chat?: string }> {
    const chat = p.chat_id === undefined ? '' : String(p.chat_id);
    if (!chat) return { status: 400, body: failure(400, 'Bad Request: chat_id is empty') };
    if (blocked.has(chat)) return { status: 403, chat, body: failure(403, 'Forbidden: bot was blocked by the user') };
    const record: ReceivedMessage = { chat, message_id: 0, method, at: Date.now() };
    if (method === 'sendMessage') {
      const text = typeof p.text === 'string' ? p.text : '';
      if (!text) return { status: 400, chat, body: failure(400, 'Bad Request: message text is empty') };
      if (text.length > 4096) return { status: 400, chat, body: failure(400, 'Bad Request: message is too long') };
      record.text = text;
    } else {
      const field = method === 'sendPhoto' ? p.photo : p.document;
      if (!field || typeof field !== 'object') return { status: 400, chat, body: failure(400, `Bad Request: there is no ${method === 'sendPhoto' ? 'photo' : 'document'} in the request`) };
      record.file = field as ReceivedMessage['file'];
      if (typeof p.caption === 'string') record.caption = p.caption;
    }
    const replyParameters = typeof p.reply_parameters === 'string' ? JSON.parse(p.reply_parameters) : p.reply_parameters;
    if (replyParameters && typeof replyParameters === 'object') record.replyTo = Number((replyParameters as { message_id: unknown }).message_id);
    const markup = inlineKeyboard(p.reply_markup);
    if (markup === 'invalid') return { status: 400, chat, body: failure(400, 'Bad Request: BUTTON_DATA_INVALID') };
    if (markup) record.replyMarkup = markup;
    const limit = paced(chat, record.at);
    if (limit) {
      limited += 1;
      return { status: 429, chat, body: failure(429, `Too Many Requests: retry after ${limit.retryAfter}`, { retry_after: limit.retryAfter }) };
    }
    record.message_id = nextMessageId(chat);
    sent.push(record);
    const message: Record<string, unknown> = {
      message_id: record.message_id,
      from: bot,
      chat: Number(chat) < 0 ? { id: Number(chat), type: 'group', title: 'Group' } : { id: Number(chat), type: 'private', first_name: 'Customer' },
      date: Math.floor(record.at / 1000),
    };
    if (record.text) message.text = record.text;
    if (record.replyMarkup) message.reply_markup = record.replyMarkup;
    if (record.file) {
      const fileId = `sent-${randomBytes(6).toString('hex')}`;
      if (method === 'sendPhoto') message.photo = [{ file_id: fileId, file_unique_id: fileId, width: 800, height: 600, file_size: record.file.data.length }];
      else message.document = { file_id: fileId, file_unique_id: fileId, file_name: record.file.name, mime_type: record.file.contentType, file_size: record.file.data.length };
    }
    botMessages.set(`${chat}:${record.message_id}`, message);
    return { status: 200, chat, body: { ok: true, result: message } };
  }

  /**
   * An inline keyboard as sendMessage takes it (JSON or object); 'invalid' for a button whose
   * callback_data is not 1-64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton).
   */
  function inlineKeyboard(value: unknown): InlineKeyboardMarkup | undefined | 'invalid' {
    const markup = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    if (!markup || typeof markup !== 'object' || !('inline_keyboard' in markup)) return undefined;
    const rows = (markup as InlineKeyboardMarkup).inline_keyboard;
    for (const button of rows.flat()) {
      const data = 'callback_data' in button ? button.callback_data : undefined;
      if (data !== undefined && (Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64)) return 'invalid';
    }
    return rows.some((row) => row.length > 0) ? { inline_keyboard: rows } : undefined;
  }

  /** answerCallbackQuery: once per query (https://core.telegram.org/bots/api#answercallbackquery). */
  function answerQuery(p: Record<string, unknown>): { status: number; body: unknown } {
    const id = String(p.callback_query_id ?? '');
    const query = queries.get(id);
    if (!query || query.answered) return { status: 400, body: failure(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid') };
    query.answered = true;
    callbackAnswers.push({ queryId: id, ...(typeof p.text === 'string' && p.text ? { text: p.text } : {}), showAlert: p.show_alert === true || p.show_alert === 'true' });
    return { status: 200, body: { ok: true, result: true } };
  }

  /** editMessageReplyMarkup of a message the bot sent; an empty keyboard takes it off. */
  function editMarkup(p: Record<string, unknown>): { status: number; body: unknown; chat?: string } {
    const chat = String(p.chat_id ?? '');
    const key = `${chat}:${String(p.message_id ?? '')}`;
    const message = botMessages.get(key);
    const record = sent.find((m) => `${m.chat}:${m.message_id}` === key);
    if (!message || !record) return { status: 400, chat, body: failure(400, 'Bad Request: message to edit not found') };
    const markup = inlineKeyboard(p.reply_markup);
    if (markup === 'invalid') return { status: 400, chat, body: failure(400, 'Bad Request: BUTTON_DATA_INVALID') };
    if (JSON.stringify(markup) === JSON.stringify(record.replyMarkup)) {
      return { status: 400, chat, body: failure(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message') };
    }
    if (markup) {
      record.replyMarkup = markup;
      message.reply_markup = markup;
    } else {
      delete record.replyMarkup;
      delete message.reply_markup;
    }
    return { status: 200, chat, body: { ok: true, result: { ...message, edit_date: Math.floor(Date.now() / 1000) } } };
  }

  async function getUpdates(p: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): Promise<{ status: number; body: unknown } | undefined> {
    if (webhook) return { status: 409, body: failure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first") };
    const offset = p.offset === undefined ? undefined : Number(p.offset);
    if (offset !== undefined && offset > 0) {
      // Asking from `offset` confirms every update below it: Telegram forgets them.
      while (pending.length && pending[0]!.update_id < offset) pending.shift();
      confirmed = Math.max(confirmed, offset);
    }
    const limit = Math.min(100, Number(p.limit ?? 100));
    const timeout = Math.min(50, Number(p.timeout ?? 0));
    const allowed = typeof p.allowed_updates === 'string' ? (JSON.parse(p.allowed_updates) as string[]) : (p.allowed_updates as string[] | undefined);
    const due = () => pending.filter((u) => (offset === undefined || u.update_id >= offset) && (!allowed?.length || allowed.some((k) => k in u))).slice(0, limit);
    // A new poll ends the one waiting: only one bot process may poll (Telegram's 409).
    for (const waiter of waiters) waiter.supersede();
    if (!due().length && timeout > 0) {
      const outcome = await new Promise<'woken' | 'superseded' | 'gone'>((resolve) => {
        const waiter: Waiter = { wake: () => finish('woken'), supersede: () => finish('superseded') };
        const timer = setTimeout(() => finish('woken'), timeout * 1000);
        const onClose = () => finish('gone');
        res.once('close', onClose);
        waiters.add(waiter);
        function finish(how: 'woken' | 'superseded' | 'gone') {
          clearTimeout(timer);
          waiters.delete(waiter);
          res.off('close', onClose);
          resolve(how);
        }
      });
      if (outcome === 'gone') return undefined;
      if (outcome === 'superseded') return { status: 409, body: failure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running') };
      if (refused) return { status: 401, body: failure(401, 'Unauthorized') };
    }
    void req;
    return { status: 200, body: { ok: true, result: due() } };
  }

  async function method(name: string, p: Record<string, unknown>, req: IncomingMessage, res: ServerResponse): Promise<{ status: number; body: unknown; chat?: string } | undefined> {
    switch (name) {
      case 'getMe':
        return { status: 200, body: { ok: true, result: { ...bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } } };
      case 'setWebhook': {
        const url = typeof p.url === 'string' ? p.url : '';
        if (!url) {
          webhook = undefined;
          return { status: 200, body: { ok: true, result: true, description: 'Webhook was deleted' } };
        }
        if (!url.startsWith('https://')) return { status: 400, body: failure(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook') };
        const allowed = typeof p.allowed_updates === 'string' ? (JSON.parse(p.allowed_updates) as string[]) : (p.allowed_updates as string[] | undefined);
        webhook = { url, ...(typeof p.secret_token === 'string' ? { secret: p.secret_token } : {}), ...(allowed ? { allowedUpdates: allowed } : {}) };
        for (const waiter of waiters) waiter.supersede();
        return { status: 200, body: { ok: true, result: true, description: 'Webhook was set' } };
      }
      case 'deleteWebhook':
        webhook = undefined;
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') pending.length = 0;
        return { status: 200, body: { ok: true, result: true, description: 'Webhook was deleted' } };
      case 'getWebhookInfo':
        return { status: 200, body: { ok: true, result: { url: webhook?.url ?? '', has_custom_certificate: false, pending_update_count: pending.length } } };
      case 'getUpdates':
        return getUpdates(p, req, res);
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
        return send(name, p);
      case 'answerCallbackQuery':
        return answerQuery(p);
      case 'editMessageReplyMarkup':
        return editMarkup(p);
      case 'getFile': {
        const file = files.get(String(p.file_id ?? ''));
        if (!file) return { status: 400, body: failure(400, 'Bad Request: invalid file_id') };
        if (file.data.length > 20 * 1024 * 1024) return { status: 400, body: failure(400, 'Bad Request: file is too big') };
        return { status: 200, body: { ok: true, result: { file_id: String(p.file_id), file_unique_id: `${String(p.file_id)}-u`, file_size: file.data.length, file_path: file.path } } };
      }
      default:
        return { status: 404, body: failure(404, 'Not Found: method not found') };
    }
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) {
      const file = download[1] === token && !refused ? [...files.values()].find((f) => f.path === decodeURIComponent(download[2]!)) : undefined;
      if (!file) return reply(res, 404, failure(404, 'Not Found'));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.data.length) });
      return res.end(Buffer.from(file.data));
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!call) return reply(res, 404, failure(404, 'Not Found'));
    const [, given, name] = call as unknown as [string, string, string];
    const at = Date.now();
    if (refused || given !== token) {
      calls.push({ method: name, status: 401, at });
      return reply(res, 401, failure(401, 'Unauthorized'));
    }
    let p: Record<string, unknown>;
    try {
      p = await params(req, url);
    } catch {
      calls.push({ method: name, status: 400, at });
      return reply(res, 400, failure(400, 'Bad Request: the body could not be parsed'));
    }
    const chat = p.chat_id === undefined ? undefined : String(p.chat_id);
    const faultAt = faults.findIndex((f) => f.method === name || (f.method === '*' && name !== 'getUpdates'));
    const due = faultAt >= 0 && faults[faultAt]!.skip-- <= 0;
    if (due) {
      const [{ fault }] = faults.splice(faultAt, 1) as [{ method: string; fault: Fault; skip: number }];
      calls.push({ method: name, status: fault.code, ...(chat ? { chat } : {}), at });
      const description = fault.description ?? (fault.code === 429 ? `Too Many Requests: retry after ${fault.retryAfter ?? 1}` : fault.code >= 500 ? 'Internal Server Error' : 'Bad Request');
      if (fault.code >= 500) {
        res.writeHead(fault.code, { 'content-type': 'text/plain' });
        return res.end(description);
      }
      return reply(res, fault.code, failure(fault.code, description, fault.code === 429 ? { retry_after: fault.retryAfter ?? 1 } : undefined));
    }
    const answer = await method(name, p, req, res);
    if (!answer) return; // the client went away
    calls.push({ method: name, status: answer.status, ...(answer.chat ?? chat ? { chat: answer.chat ?? chat! } : {}), at });
    reply(res, answer.status, answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    bot,
    get webhook() {
      return webhook;
    },
    calls,
    get limited() {
      return limited;
    },
    sent,
    get confirmed() {
      return confirmed;
    },
    get pending() {
      return pending;
    },
    addFile(data, name = 'file') {
      const fileId = `file-${randomBytes(8).toString('hex')}`;
      files.set(fileId, { data, name, path: `documents/${fileId}-${name}` });
      return fileId;
    },
    customerWrites(input) {
      const chat = String(input.chat?.id ?? input.from.id);
      const message = messageOf(input, nextMessageId(chat), (fileId) => files.get(fileId)?.data.length ?? 0);
      const update = { update_id: nextUpdate++, message } as Update & { message: Message };
      queue(update);
      return structuredClone(update);
    },
    customerEdits(message, text, editDate) {
      const edited = { ...structuredClone(message), text, edit_date: editDate ?? Math.floor(Date.now() / 1000) + 1 } as Message;
      const update = { update_id: nextUpdate++, edited_message: edited } as unknown as Update;
      queue(update);
      return structuredClone(update);
    },
    customerPresses(message, label, from) {
      const stored = botMessages.get(`${message.chat}:${message.message_id}`);
      const button = message.replyMarkup?.inline_keyboard.flat().find((b) => b.text === label);
      if (!stored || !button || !('callback_data' in button)) throw new Error(`message ${message.message_id} in ${message.chat} has no button labelled ${label}`);
      const id = String(BigInt(botId) * 1000n + BigInt(nextUpdate));
      queries.set(id, { answered: false });
      const update = {
        update_id: nextUpdate++,
        callback_query: { id, from: userOf(from), message: structuredClone(stored), chat_instance: `instance-${message.chat}`, data: button.callback_data },
      } as unknown as Update;
      queue(update);
      return structuredClone(update);
    },
    callbackAnswers,
    redeliver: (update, redeliverOptions = {}) => queue(redeliverOptions.asNew ? { ...structuredClone(update), update_id: nextUpdate++ } : update),
    async deliver(update, deliverOptions = {}) {
      if (!webhook) throw new Error('no webhook is registered (setWebhook was not called)');
      const secret = deliverOptions.secret === undefined ? webhook.secret : deliverOptions.secret;
      const target = options.route ? options.route(webhook.url) : webhook.url;
      return fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret !== null && secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
        body: JSON.stringify(update),
      });
    },
    received: (chat) => sent.filter((m) => m.chat === String(chat)),
    failNext(methodName, count, fault, failOptions = {}) {
      for (let i = 0; i < count; i++) faults.push({ method: methodName, fault, skip: i === 0 ? (failOptions.after ?? 0) : 0 });
    },
    block: (chat) => void blocked.add(String(chat)),
    refuseToken(refuse = true) {
      refused = refuse;
      if (refuse) for (const waiter of waiters) waiter.wake();
    },
    async close() {
      for (const waiter of waiters) waiter.supersede();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
