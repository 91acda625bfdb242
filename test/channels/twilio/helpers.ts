/**
 * The app side of the Twilio tests: the channels built from settings as the core would build
 * them, served over real HTTP, with a sink that records what it is handed. The real intake
 * pipeline does not exist yet; this sink stands in for it at the contract's boundary.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Channel,
  ChannelAuthError,
  type ChannelDeps,
  ChannelInputError,
  type InboundMessage,
  type InboundStatus,
  type IngestResult,
  type Sink,
  type WebhookInbound,
} from '../../../src/channels/contract.ts';
import { EnvReader } from '../../../src/shared/env.ts';
import { twilioModule } from '../../../channels/twilio/index.ts';
import type { TwilioEmulator } from '../../fakes/twilio/index.ts';

export const PUBLIC_BASE_URL = 'https://desk.example.com';
export const SMS_NUMBERS = ['+15550000001', '+15550000002', '+15550000003'];
export const WHATSAPP_NUMBER = '+15550009999';

/** Logger that keeps lines for assertions instead of printing them. */
export function memoryLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, ...(msg ? { msg } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Adapter dependencies for tests: real clock and fetch, a logger that remembers. */
export function testDeps(overrides: Omit<Partial<ChannelDeps>, 'logger'> = {}): ChannelDeps & { logger: ReturnType<typeof memoryLogger> } {
  return {
    logger: memoryLogger(),
    now: Date.now,
    publicBaseUrl: PUBLIC_BASE_URL,
    fetch: globalThis.fetch,
    state: memoryState(),
    report: () => {},
    ...overrides,
  };
}

/** A state store in memory, for adapters tested without a database. */
export function memoryState(): ChannelDeps['state'] {
  const values = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => values.get(key) as T | undefined,
    set: async (key, value) => void values.set(key, structuredClone(value)),
    delete: async (key) => void values.delete(key),
  };
}

/** The environment an admin would write for this emulator. */
export function twilioEnv(emulator: TwilioEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_SMS_FROM: SMS_NUMBERS.join(','),
    TWILIO_WHATSAPP_FROM: WHATSAPP_NUMBER,
    TWILIO_API_URL: emulator.url,
    PUBLIC_BASE_URL,
    ...extra,
  };
}

/** Builds the channels through the module's own settings, failing loudly on a bad env. */
export function buildChannels(
  env: Record<string, string>,
  deps: ChannelDeps = testDeps(),
): { sms?: Channel; whatsapp?: Channel; all: Channel[]; inbound: WebhookInbound } {
  const reader = new EnvReader(env);
  const settings = twilioModule.settings(reader);
  const { problems } = reader;
  if (!settings.enabled || problems.length) throw new Error(`settings: ${JSON.stringify({ settings, problems })}`);
  const { channels: all, inbound } = twilioModule.create(settings.config, deps);
  if (inbound.kind !== 'webhooks') throw new Error('twilio answers webhooks');
  return { sms: all.find((c) => c.name === 'sms'), whatsapp: all.find((c) => c.name === 'whatsapp'), all, inbound };
}

/** A sink that records every call; `hold()` keeps the next calls pending until released. */
export function recordingSink() {
  const messages: InboundMessage[] = [];
  const statuses: InboundStatus[] = [];
  let gate: Promise<void> | undefined;
  let failure: Error | undefined;
  let ticket = 0;
  const pass = async () => {
    if (gate) await gate;
    if (failure) throw failure;
  };
  const sink: Sink & {
    messages: InboundMessage[];
    statuses: InboundStatus[];
    hold(): () => void;
    fail(error?: Error): void;
    recover(): void;
  } = {
    messages,
    statuses,
    async message(message): Promise<IngestResult> {
      await pass();
      messages.push(message);
      return { ticket: ++ticket, message: `msg-${messages.length}`, duplicate: false };
    },
    async status(status) {
      await pass();
      statuses.push(status);
      return { updated: true };
    },
    // Twilio reports neither edits nor deletions.
    edit: async () => ({ outcome: 'unknown' }),
    deletion: async () => ({ outcome: 'unknown' }),
    // Nor offers buttons.
    choice: async () => ({ outcome: 'unknown' }),
    hold() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    fail(error = new Error('database is down')) {
      failure = error;
    },
    recover() {
      failure = undefined;
    },
  };
  return sink;
}

/**
 * Serves a channel's webhooks over HTTP the way the core will: the adapter gets a web
 * `Request`, typed errors become their status (as the core's onError will map them).
 */
export async function serveWebhooks(inbound: WebhookInbound, sink: Sink): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = `http://${req.headers.host}${req.url}`;
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
    const init: RequestInit = { method: req.method ?? 'GET', headers };
    if (req.method !== 'GET' && req.method !== 'HEAD') init.body = Buffer.concat(chunks);
    let response: Response;
    try {
      response = await inbound.handle(new Request(url, init), sink);
    } catch (error) {
      const status = error instanceof ChannelAuthError || error instanceof ChannelInputError ? error.status : 500;
      response = new Response((error as Error).message, { status });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Maps the app's public URL onto where the test serves it. */
export function routeTo(appUrl: () => string): (publicUrl: string) => string {
  return (publicUrl) => publicUrl.replace(PUBLIC_BASE_URL, appUrl());
}

/** A minimal outbound message. */
export function reply(to: string, text: string, extra: Partial<Parameters<Channel['send']>[0]> = {}): Parameters<Channel['send']>[0] {
  return { id: `out-${Math.random().toString(36).slice(2)}`, ticket: 42, to, conversation: to, text, attachments: [], references: [], ...extra };
}
