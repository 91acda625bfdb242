/**
 * A channel adapter for the fake connection platform (./platform.ts), written the way the
 * Telegram, Discord, email and WhatsApp linked-device adapters are: it knows only the channel
 * contract. It holds a long-polling connection, resumes from the offset kept in its state
 * store, reports its condition (login QR, session lost, token refused, reconnecting), hands
 * edits and deletions to the sink, reads `[#N]` subject tokens and references as threading
 * hints, drops the platform's echo of our own sends, and can send only where it is connected.
 */
import {
  ChannelSendError,
  type Channel,
  type ChannelDeps,
  type ChannelModule,
  type ChannelSet,
  type InboundEvent,
  type Sink,
} from '../../../src/channels/contract.ts';
import type { PlatformUpdate } from './platform.ts';

export interface FakeConnectionConfig {
  url: string;
  token: string;
  /** Seconds each long poll waits for an update. */
  pollTimeoutSeconds?: number;
}

export const FAKE_CHANNEL = 'fakechat';

// A 1×1 PNG: what a real adapter renders a QR code into for Slack.
const QR_PNG = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
);

class PlatformError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(`platform answered ${status} ${String(body.error ?? '')}`);
    this.status = status;
    this.body = body;
  }
}

/** Maps one platform update onto the contract's events. */
export function parseFakeUpdate(update: PlatformUpdate): InboundEvent {
  const m = update.message;
  if (m.from_me) return { kind: 'unsupported', reason: 'our own message echoed back' };
  switch (update.type) {
    case 'message': {
      const hint = /\[#(\d{1,9})\]/.exec(m.subject ?? '');
      return {
        kind: 'message',
        channel: FAKE_CHANNEL,
        externalId: m.message_id,
        from: m.from.id,
        ...(m.from.name ? { name: m.from.name } : {}),
        conversation: m.chat,
        text: m.text,
        attachments: [],
        receivedAt: new Date(m.date * 1000),
        ...(m.subject ? { subject: m.subject } : {}),
        ...(m.references ? { references: m.references } : {}),
        ...(hint ? { ticketHint: Number(hint[1]) } : {}),
      };
    }
    case 'edited':
      return { kind: 'edit', channel: FAKE_CHANNEL, externalId: m.message_id, text: m.text, revision: `${update.update_id}`, at: new Date(m.date * 1000) };
    case 'deleted':
      return { kind: 'deletion', channel: FAKE_CHANNEL, externalId: m.message_id };
    default:
      return { kind: 'unsupported', reason: `${update.type} updates are not handled` };
  }
}

export function createFakeConnection(config: FakeConnectionConfig, deps: ChannelDeps): ChannelSet {
  // The session exists only on the instance holding the connection: `send` elsewhere fails.
  let session: string | undefined;

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> => {
    const response = await deps.fetch(`${config.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${config.token}`,
        ...(session ? { 'x-session': session } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {}),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new PlatformError(response.status, json);
    return json;
  };

  const channel: Channel = {
    name: FAKE_CHANNEL,
    identityKind: 'api',
    limits: { maxTextLength: 4096, maxAttachmentBytes: 0 },
    sendsThroughConnection: true,
    async send(message) {
      if (!session) throw new ChannelSendError('not connected on this instance', { retryable: true, code: 'not_connected' });
      try {
        const sentAs = await call('POST', '/messages', {
          chat: message.conversation,
          text: message.text,
          ...(message.inReplyTo ? { reply_to: message.inReplyTo } : {}),
          ...(message.subject ? { subject: `Re: ${message.subject} [#${message.ticket}]` } : {}),
        });
        const chat = String(sentAs.chat);
        return { externalId: String(sentAs.message_id), ...(chat !== message.conversation ? { conversation: chat } : {}) };
      } catch (error) {
        if (error instanceof PlatformError) throw new ChannelSendError(error.message, { retryable: error.status >= 500 || error.status === 401, code: String(error.status) });
        throw new ChannelSendError((error as Error).message, { retryable: true, cause: error });
      }
    },
  };

  async function connect(signal: AbortSignal): Promise<void> {
    deps.report({ state: 'connecting' });
    for (;;) {
      try {
        session = String((await call('POST', '/connect', {}, signal)).session);
        return;
      } catch (error) {
        if (!(error instanceof PlatformError)) throw error;
        if (error.status === 401) {
          deps.report({ state: 'token-refused', reason: 'the platform refused the token' });
          throw error;
        }
        if (error.status !== 409) throw error;
        deps.report({ state: 'login-required', qr: { text: String(error.body.qr), png: QR_PNG } });
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (signal.aborted) return;
      }
    }
  }

  async function start(sink: Sink, signal: AbortSignal): Promise<void> {
    try {
      await connect(signal);
      if (signal.aborted) return;
      deps.report({ state: 'connected' });
      let offset = (await deps.state.get<number>('offset')) ?? 0;
      while (!signal.aborted) {
        let answer: Record<string, unknown>;
        try {
          answer = await call('GET', `/updates?offset=${offset}&timeout=${config.pollTimeoutSeconds ?? 1}`, undefined, signal);
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof PlatformError && error.status === 401) deps.report({ state: 'session-lost', reason: 'the platform ended the session' });
          throw error;
        }
        for (const update of answer.updates as PlatformUpdate[]) {
          const event = parseFakeUpdate(update);
          if (event.kind === 'message') await sink.message(event);
          else if (event.kind === 'edit') await sink.edit(event);
          else if (event.kind === 'deletion') await sink.deletion(event);
          else deps.logger.debug({ update: update.update_id, reason: event.kind === 'unsupported' ? event.reason : event.kind }, 'update ignored');
          // Stored (or ignored) before it is confirmed: a crash here redelivers it, stored once.
          offset = update.update_id + 1;
          await deps.state.set('offset', offset);
        }
      }
    } finally {
      session = undefined;
    }
  }

  return { channels: [channel], inbound: { kind: 'connection', start } };
}

/** The fake connection module, as the registry would list a real one. */
export const fakeConnectionModule: ChannelModule<FakeConnectionConfig> = {
  name: 'fakechat',
  names: [FAKE_CHANNEL],
  inbound: () => 'connection',
  settings: () => ({ enabled: false, missing: ['(configured by tests)'] }),
  create: createFakeConnection,
};
