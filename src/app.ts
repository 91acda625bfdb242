import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Channel, ChannelName, Sink } from './channels/contract.ts';
import { createChannels, describeChannels } from './channels/registry.ts';
import { runConnectionHolders } from './channels/runner.ts';
import type { Config } from './config.ts';
import { migrationsApplied, openDatabase, type Database } from './db/index.ts';
import { createLocalFileStore } from './files/store.ts';
import { createHttpApp } from './http/app.ts';
import { fileLinks } from './http/files.ts';
import { ticketApiRoutes } from './http/ticket-api.ts';
import { hmacSha256Hex } from './shared/crypto.ts';
import { createJobs, type Jobs } from './jobs/index.ts';
import { addLogContext, createLogger, type Logger } from './log.ts';
import type { CoreModule, ModuleFactory } from './modules.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { slackModule } from './slack/index.ts';
import { slaModule } from './sla/index.ts';
import { createTickets, DEFAULT_DELIVERY, type DeliveryOptions, type Tickets } from './tickets/index.ts';

export interface SwitchboardOptions {
  config: Config;
  logger?: Logger;
  clock?: Clock;
  /** The outgoing HTTP client handed to channels. */
  fetch?: typeof fetch;
  delivery?: Partial<DeliveryOptions>;
  /** Listen address; tests use 127.0.0.1. */
  hostname?: string;
  /** Core modules beside tickets (Slack, SLA); each may decline by returning undefined. */
  modules?: ModuleFactory[];
}

/** The core modules every instance runs, in start order. */
export const CORE_MODULES: ModuleFactory[] = [slackModule, slaModule];

export interface Switchboard {
  /** The base URL this instance answers on. */
  url: string;
  port: number;
  config: Config;
  logger: Logger;
  database: Database;
  jobs: Jobs;
  tickets: Tickets;
  channels: ReadonlyMap<ChannelName, Channel>;
  modules: readonly CoreModule[];
  /** The API channel's token, and whether this start generated it. */
  apiToken: { token: string; generated: boolean; file: string | undefined };
  /** Stops accepting, drains requests and jobs, stops the database. Safe to call twice. */
  stop(): Promise<void>;
}

// In-flight requests get this long to finish after shutdown begins.
const DRAIN_MS = 10_000;

/** Starts one Switchboard instance: database, jobs, channels, HTTP. */
export async function startSwitchboard(options: SwitchboardOptions): Promise<Switchboard> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;

  await mkdir(config.dataDir, { recursive: true });
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    log: (message) => logger.info(message),
  });
  const stack: (() => Promise<void>)[] = [() => database.close()];
  const unwind = async () => {
    for (const step of stack.reverse()) await step().catch((error) => logger.error({ err: error }, 'shutdown step failed'));
    stack.length = 0;
  };

  try {
    const apiToken = await ensureApiToken(config);
    const channels = createChannels(config.channels, {
      logger,
      now: () => clock.now(),
      publicBaseUrl: config.publicBaseUrl,
      fetch: options.fetch ?? fetch,
    });
    for (const line of describeChannels(config.channels)) {
      if (line.on) logger.info({ channel: line.channel }, `channel ${line.channel}: on`);
      else logger.info({ channel: line.channel, missing: line.missing }, `channel ${line.channel}: off (missing ${line.missing.join(', ')})`);
    }

    const jobs = createJobs({ url: database.url, logger });
    await jobs.start();
    stack.push(() => jobs.stop());

    const files = createLocalFileStore(path.join(config.dataDir, 'files'));
    // Keyed from the API token, which every instance of one install shares.
    const links = config.publicBaseUrl ? fileLinks(config.publicBaseUrl, hmacSha256Hex(apiToken.token, 'switchboard:file-links'), () => clock.now()) : undefined;
    const tickets = createTickets({
      sql: database.sql,
      jobs,
      files,
      clock,
      logger,
      reopenWindowMs: config.reopenWindowMs,
      channels,
      observers: [],
      delivery: { ...DEFAULT_DELIVERY, ...options.delivery },
      ...(links ? { fileUrl: (file) => links.url(file) } : {}),
    });
    const fetchClient = options.fetch ?? fetch;
    const modules = (options.modules ?? CORE_MODULES)
      .map((create) => create({ config, logger, clock, database, jobs, tickets, channels, fetch: fetchClient }))
      .filter((m): m is CoreModule => m !== undefined);
    for (const module of modules) if (module.observer) tickets.observe(module.observer);
    await tickets.work();
    for (const module of modules) {
      await module.start?.();
      stack.push(async () => {
        await module.stop?.();
      });
    }

    const sink: Sink = {
      async message(inbound) {
        const result = await tickets.ingest(inbound);
        addLogContext({ ticket: result.ticket });
        logger.info({ channel: inbound.channel, message: result.message, duplicate: result.duplicate }, result.duplicate ? 'duplicate message ignored' : 'message stored');
        return result;
      },
      status: (report) => tickets.recordDeliveryReport(report),
    };

    let accepting = true;
    const app = createHttpApp({
      logger,
      channels: channels.values(),
      sink,
      accepting: () => accepting,
      ready: async () => {
        await database.sql`select 1`;
        return migrationsApplied(database.sql);
      },
      routes: [ticketApiRoutes(tickets, apiToken.token), ...(links ? [links.routes(files)] : []), ...modules.flatMap((m) => (m.routes ? [m.routes.bind(m)] : []))],
    });
    const server = await listen(app.fetch, config.port, options.hostname);
    const port = (server.address() as AddressInfo).port;
    stack.push(async () => {
      accepting = false;
      await closeServer(server, DRAIN_MS);
    });

    const holders = new AbortController();
    const holding = runConnectionHolders(channels.values(), sink, database.sql, logger, holders.signal);
    stack.push(async () => {
      holders.abort();
      await holding;
    });

    const url = `http://${options.hostname ?? '127.0.0.1'}:${port}`;
    logger.info({ port, embeddedDatabase: database.embedded }, `switchboard listening on ${url}`);
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      config,
      logger,
      database,
      jobs,
      tickets,
      channels,
      modules,
      apiToken,
      stop: () => (stopping ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/**
 * The API channel's token: API_CHANNEL_TOKEN, or one generated on first start and kept in
 * DATA_DIR/api-token (0600), so `npm start` with no environment is usable at once.
 */
async function ensureApiToken(config: Config): Promise<Switchboard['apiToken']> {
  const entry = config.channels.find((e) => e.module.names.includes('api'));
  const settings = entry?.settings;
  const apiConfig = settings?.enabled ? (settings.config as { token: string | undefined }) : undefined;
  if (apiConfig?.token) return { token: apiConfig.token, generated: false, file: undefined };
  const file = path.join(config.dataDir, 'api-token');
  let generated = false;
  if (!existsSync(file)) {
    await writeFile(file, `sb_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    generated = true;
  }
  const token = (await readFile(file, 'utf8')).trim();
  if (apiConfig) apiConfig.token = token;
  return { token, generated, file };
}

function listen(fetchHandler: (request: Request) => Response | Promise<Response>, port: number, hostname?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: fetchHandler, port, hostname: hostname ?? '0.0.0.0' }, () => resolve(server as Server)) as Server;
    server.once('error', reject);
  });
}

/** Stops accepting connections and waits for requests in flight, up to `timeoutMs`. */
function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
