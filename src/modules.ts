import type { Hono } from 'hono';
import type { ApiTokens } from './api-tokens/index.ts';
import type { NoticeObserver } from './channels/connections.ts';
import type { Channel, ChannelName } from './channels/contract.ts';
import type { ChannelStatusLine } from './channels/overview.ts';
import type { Config } from './config.ts';
import type { Database } from './db/index.ts';
import type { AppEnv } from './http/app.ts';
import type { Jobs } from './jobs/index.ts';
import type { Logger } from './log.ts';
import type { Reports } from './reports/index.ts';
import type { Clock } from './shared/clock.ts';
import type { TicketObserver, Tickets } from './tickets/index.ts';

/** What a core module (Slack, SLA) is built from. */
export interface ModuleDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: Database;
  jobs: Jobs;
  tickets: Tickets;
  /** Figures from the events table, and dashboard links (`/ticket stats`, the digest). */
  reports: Reports;
  channels: ReadonlyMap<ChannelName, Channel>;
  /** Every channel's state and holder, as `/ticket channels` shows them. */
  channelStatus(): Promise<ChannelStatusLine[]>;
  /** The outgoing HTTP client (tests point platforms' SDKs at emulators through their URLs). */
  fetch: typeof fetch;
  /** Scoped API tokens (`/ticket token …`). */
  apiTokens?: ApiTokens;
}

/**
 * A part of the core beside tickets: it observes ticket changes (inside their transaction),
 * may add HTTP routes, runs its jobs between `start` and `stop`.
 */
export interface CoreModule {
  readonly name: string;
  readonly observer?: TicketObserver;
  /** Told, inside the transaction, when an operator notice opens or closes. */
  readonly noticeObserver?: NoticeObserver;
  routes?(app: Hono<AppEnv>): void;
  /** Registers job handlers and opens connections; called once jobs are running. */
  start?(): Promise<void>;
  /** Closes connections; jobs are stopped by the core afterwards. */
  stop?(): Promise<void>;
}

export type ModuleFactory = (deps: ModuleDeps) => CoreModule | undefined;
