import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { createModuleSession, type ModuleSession, type NoticeObserver } from './channels/connections.ts';
import { ChannelInputError, type Channel, type ChannelModule, type ChannelName, type ConnectionInbound, type Sink, type WebhookInbound } from './channels/contract.ts';
import { ValidationError } from './errors.ts';
import { channelOverview } from './channels/overview.ts';
import { CHANNEL_MODULES, createChannels, describeChannels, type ChannelRuntime, type ChannelSettingsEntry } from './channels/registry.ts';
import { runConnectionHolders } from './channels/runner.ts';
import type { Config } from './config.ts';
import { connectLockSession, migrationsApplied, openDatabase, type Database } from './db/index.ts';
import { createLocalFileStore } from './files/store.ts';
import { csatLinks } from './customer/links.ts';
import { customerVoice } from './customer/replies.ts';
import { eventWebhookModule } from './event-webhook/index.ts';
import { createApiTokens, type ApiTokens } from './api-tokens/index.ts';
import { answerClientErrors } from './http/client-errors.ts';
import { createHttpApp } from './http/app.ts';
import { csatRoutes } from './http/csat.ts';
import { fileLinks } from './http/files.ts';
import { ticketApiRoutes } from './http/ticket-api.ts';
import { hmacSha256Hex } from './shared/crypto.ts';
import { createJobs, type Jobs, type JobsOptions } from './jobs/index.ts';
import { createMetrics, type Metrics } from './metrics/index.ts';
import { createReports, reportRoutes, type Reports } from './reports/index.ts';
import { addLogContext, createLogger, type Logger } from './log.ts';
import type { CoreModule, ModuleFactory } from './modules.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { calendarFor, type Calendar } from './sla/calendar.ts';
import { isUnscoped, scopedPolicies } from './sla/scopes.ts';
import { slackModule } from './slack/index.ts';
import { findSlaTargets, slaModule } from './sla/index.ts';
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
  /** Channel modules beside the registry's, with their settings (the test fakes); one named like a registry module replaces it. */
  extraChannelModules?: { module: ChannelModule<never>; config: unknown }[];
  /** This instance's name in `/ticket channels`; host:pid and a random suffix by default. */
  instance?: string;
  /** pg-boss's scheduling intervals (tests run the weekly digest's cron every few seconds). */
  jobs?: Pick<JobsOptions, 'cronMonitorIntervalSeconds'>;
}

/** The core modules every instance runs, in start order. */
export const CORE_MODULES: ModuleFactory[] = [slackModule, slaModule, eventWebhookModule];

export interface Switchboard {
  /** The base URL this instance answers on. */
  url: string;
  port: number;
  config: Config;
  logger: Logger;
  database: Database;
  jobs: Jobs;
  tickets: Tickets;
  reports: Reports;
  metrics: Metrics;
  /** Scoped API tokens beside the API channel's. */
  apiTokens: ApiTokens;
  channels: ReadonlyMap<ChannelName, Channel>;
  /** What each channel module built, and how its messages arrive. */
  channelRuntime: ChannelRuntime;
  /** Each channel module's state store and condition reports. */
  channelSessions: ReadonlyMap<string, ModuleSession>;
  instance: string;
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
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
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
    const instance = options.instance ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    // An extra module replaces the registry's of the same name (a test's module with a fake client).
    const extraNames = new Set((options.extraChannelModules ?? []).map((e) => e.module.name));
    const channelModules = [...CHANNEL_MODULES.filter((m) => !extraNames.has(m.name)), ...(options.extraChannelModules ?? []).map((e) => e.module as ChannelModule<unknown>)];
    const entries: ChannelSettingsEntry[] = [
      ...config.channels.filter((entry) => !extraNames.has(entry.module)).map((entry) => withApiToken(entry, apiToken.token)),
      ...(options.extraChannelModules ?? []).map((e) => ({ module: e.module.name, settings: { enabled: true as const, config: e.config } })),
    ];
    const noticeObservers: NoticeObserver[] = [];
    const sessions = new Map<string, ModuleSession>();
    const runtime = createChannels(
      entries,
      (module, fenced) => {
        const session = createModuleSession(module, { sql: database.sql, logger, instance, observers: noticeObservers, fenced });
        sessions.set(module, session);
        return {
          logger: logger.child({ channelModule: module }),
          now: () => clock.now(),
          ...(config.publicBaseUrl ? { publicBaseUrl: config.publicBaseUrl } : {}),
          fetch: options.fetch ?? fetch,
          state: session.state,
          report: (condition) => session.report(condition),
        };
      },
      channelModules,
    );
    const { channels } = runtime;
    for (const line of describeChannels(entries, channelModules)) {
      if (line.on) logger.info({ channel: line.channel }, `channel ${line.channel}: on`);
      else if (line.reason) logger.warn({ channel: line.channel, missing: line.missing }, `channel ${line.channel}: off (${line.reason})`);
      else logger.info({ channel: line.channel, missing: line.missing }, `channel ${line.channel}: off (missing ${line.missing.join(', ')})`);
    }

    const jobs = createJobs({ url: database.url, logger, ...options.jobs });
    await jobs.start();
    stack.push(() => jobs.stop());
    const throughConnection = [...channels.values()].filter((c) => c.sendsThroughConnection).map((c) => c.name);
    for (const name of throughConnection) await jobs.createDeliveryQueue(name);

    const metrics = createMetrics({ sql: database.sql, jobs, logger, token: config.reports.metricsToken });
    // Known once listening; dashboard links use PUBLIC_BASE_URL when it is set.
    let listeningUrl = '';
    // The policy of each ticket's team and contact tags, for reports and the acknowledgement.
    const scoped = isUnscoped(config.slaScopes) ? {} : { scoped: scopedPolicies(config.sla, config.slaScopes) };
    const reports = await createReports({
      sql: database.sql,
      clock,
      policy: config.sla,
      ...scoped,
      config: config.reports,
      teams: config.routing.teams.map((t) => t.name),
      baseUrl: () => config.publicBaseUrl ?? listeningUrl,
    });
    const files = createLocalFileStore(path.join(config.dataDir, 'files'));
    // Keyed from the API token, which every instance of one install shares.
    const links = config.publicBaseUrl ? fileLinks(config.publicBaseUrl, hmacSha256Hex(apiToken.token, 'switchboard:file-links'), () => clock.now()) : undefined;
    const calendar = calendarFor(config.sla);
    // What customers hear from Switchboard itself (switchboard.yml `customer:`), with the survey
    // links email customers rate by, signed with a key of the same install-wide secret.
    const surveyLinks = config.publicBaseUrl ? csatLinks(config.publicBaseUrl, hmacSha256Hex(apiToken.token, 'switchboard:csat-links')) : undefined;
    const voice = config.customer ? customerVoice({ settings: config.customer, policy: config.sla, calendar, ...scoped, ...(surveyLinks ? { links: surveyLinks } : {}) }) : undefined;
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
      slaTargets: findSlaTargets,
      routing: config.routing,
      ...(config.sla.businessHours ? { insideBusinessHours: insideHours(calendar) } : {}),
      ...(voice ? { customer: voice } : {}),
      metrics,
    });
    const apiTokens = createApiTokens({ sql: database.sql, masterToken: apiToken.token, settings: config.apiTokens });
    const fetchClient = options.fetch ?? fetch;
    const modules = (options.modules ?? CORE_MODULES)
      .map((create) =>
        create({ config, logger, clock, database, jobs, tickets, reports, channels, channelStatus: () => channelOverview(database.sql, runtime), fetch: fetchClient, apiTokens }),
      )
      .filter((m): m is CoreModule => m !== undefined);
    for (const module of modules) if (module.observer) tickets.observe(module.observer);
    for (const module of modules) if (module.noticeObserver) noticeObservers.push(module.noticeObserver);
    await tickets.work();
    for (const module of modules) {
      await module.start?.();
      stack.push(async () => {
        await module.stop?.();
      });
    }

    const sink: Sink = {
      async message(inbound) {
        const result = await asChannelInput(tickets.ingest(inbound));
        if (!result.duplicate) metrics.inbound(inbound.channel);
        addLogContext({ ticket: result.ticket });
        logger.info({ channel: inbound.channel, message: result.message, duplicate: result.duplicate }, result.duplicate ? 'duplicate message ignored' : 'message stored');
        return result;
      },
      status: (report) => asChannelInput(tickets.recordDeliveryReport(report)),
      async edit(edit) {
        const result = await asChannelInput(tickets.revise(edit));
        logger.info({ channel: edit.channel, externalId: edit.externalId, outcome: result.outcome }, 'customer edited a message');
        return result;
      },
      async deletion(deletion) {
        const result = await asChannelInput(tickets.revise(deletion));
        logger.info({ channel: deletion.channel, externalId: deletion.externalId, outcome: result.outcome }, 'customer deleted a message');
        return result;
      },
      async choice(choice) {
        const result = await asChannelInput(tickets.choose(choice));
        if (result.ticket) addLogContext({ ticket: result.ticket });
        logger.info({ channel: choice.channel, externalId: choice.externalId, outcome: result.outcome }, 'customer pressed a button');
        return result;
      },
    };

    let accepting = true;
    const app = createHttpApp({
      logger,
      webhooks: runtime.modules.flatMap((m) => (m.inbound.kind === 'webhooks' ? [m.inbound as WebhookInbound] : [])),
      sink,
      guard: apiTokens.guard(),
      accepting: () => accepting,
      ready: async () => {
        await database.sql`select 1`;
        return migrationsApplied(database.sql);
      },
      routes: [
        ticketApiRoutes(tickets),
        reportRoutes(reports),
        (app) => metrics.routes(app),
        ...(links ? [links.routes(files)] : []),
        ...(voice && surveyLinks ? [csatRoutes(tickets, surveyLinks, voice)] : []),
        ...modules.flatMap((m) => (m.routes ? [m.routes.bind(m)] : [])),
      ],
      observe: (request) => metrics.request(request),
    });
    const server = await listen(app.fetch, config.port, options.hostname);
    const port = (server.address() as AddressInfo).port;
    stack.push(async () => {
      accepting = false;
      await closeServer(server, DRAIN_MS);
    });

    const holders = new AbortController();
    const connectionModules = runtime.modules.filter((m) => m.inbound.kind === 'connection');
    const sendingThrough = (module: string) => connectionModules.find((m) => m.module === module)?.channels.filter((c) => c.sendsThroughConnection) ?? [];
    const holding = runConnectionHolders(
      connectionModules.map((m) => ({ module: m.module, inbound: m.inbound as ConnectionInbound, session: sessions.get(m.module)! })),
      sink,
      {
        sql: database.sql,
        logger,
        instance,
        lockSession: () => connectLockSession(database.url),
        // The replies of a channel that sends through its connection leave from the holder.
        onHeld: async (module) => {
          for (const channel of sendingThrough(module)) await tickets.deliverThrough(channel.name);
        },
        onReleased: async (module) => {
          for (const channel of sendingThrough(module)) await tickets.stopDeliveringThrough(channel.name);
        },
      },
      holders.signal,
    );
    stack.push(async () => {
      holders.abort();
      await holding;
    });

    const url = `http://${options.hostname ?? '127.0.0.1'}:${port}`;
    listeningUrl = url;
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
      reports,
      metrics,
      apiTokens,
      channels,
      channelRuntime: runtime,
      channelSessions: sessions,
      instance,
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
  const settings = config.channels.find((e) => e.module === 'api')?.settings;
  const configured = settings?.enabled ? (settings.config as { token?: string }).token : undefined;
  if (configured) return { token: configured, generated: false, file: undefined };
  const file = path.join(config.dataDir, 'api-token');
  let generated = false;
  if (!existsSync(file)) {
    await writeFile(file, `sb_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    generated = true;
  }
  const token = (await readFile(file, 'utf8')).trim();
  return { token, generated, file };
}

/** The API module's settings with the token this start resolved (the parsed config stays as it was). */
function withApiToken(entry: ChannelSettingsEntry, token: string): ChannelSettingsEntry {
  if (entry.module !== 'api' || !entry.settings.enabled) return entry;
  return { module: entry.module, settings: { ...entry.settings, config: { ...(entry.settings.config as object), token } } };
}

/**
 * The core refusing an event's content (an empty id, an address that is none) reaches the
 * adapter as the contract's ChannelInputError: a 4xx, never stored, not worth the platform's
 * retry, unlike a failure to store it.
 */
async function asChannelInput<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ValidationError) throw new ChannelInputError(error.message, { status: 422, ...(error.field ? { field: error.field } : {}) });
    throw error;
  }
}

function listen(fetchHandler: (request: Request) => Response | Promise<Response>, port: number, hostname?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: fetchHandler, port, hostname: hostname ?? '0.0.0.0' }, () => resolve(server as Server)) as Server;
    answerClientErrors(server);
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

/** Whether an instant is inside working time: a minute from it has some. */
function insideHours(calendar: Calendar): (at: Date) => boolean {
  return (at) => calendar.workingTimeBetween(at, new Date(at.getTime() + 60_000)) > 0;
}
