import { QUEUES } from '../jobs/index.ts';
import { createKnowledgeBase } from '../knowledge/index.ts';
import { createMacros } from '../macros/index.ts';
import { teamChannel } from '../tickets/routing.ts';
import type { CoreModule, ModuleFactory } from '../modules.ts';
import { slackAvailability } from './availability.ts';
import { createBoltApp } from './bolt.ts';
import { postWeeklyDigest } from './digest.ts';
import { createDispatch } from './dispatch.ts';
import { handleSlackEvent } from './events.ts';
import { runNoticeJob, slackNoticeObserver, type NoticeJob } from './notices.ts';
import { slackObserver } from './observer.ts';
import { SLACK_EVENTS_PATH, slackRoutes } from './receiver.ts';
import { createWebClient, webClientOptions } from './slack-api.ts';
import { createSocketMode, type SocketModeTransport } from './socket-mode.ts';
import { syncTicket, type SyncDeps } from './thread-sync.ts';

export { parseSlackConfig, type SlackConfig, type SlackSettings } from './config.ts';
export { ticketCard, type Card, type CardInput } from './card.ts';
export { parseTicketCommand, type TicketCommand } from './command-parse.ts';
export { SLACK_EVENTS_PATH } from './receiver.ts';

/**
 * The agents' Slack (product.md §4): ticket cards in the triage channel, the conversation in
 * each card's thread, `/ticket`, buttons and menus, the App Home, and operator notices about
 * channels' connections. Postgres is the truth and Slack its mirror: every Slack write is
 * queued in the transaction of the change that causes it and made by a job that retries
 * until Slack has it.
 */
export const slackModule: ModuleFactory = (deps) => {
  const { logger } = deps;
  const settings = deps.config.slack;
  if (!settings.enabled) {
    logger.info({ missing: settings.missing }, `slack: off (missing ${settings.missing.join(', ')})`);
    return undefined;
  }
  const config = settings.config;
  logger.info(
    { mode: config.appToken ? 'socket' : 'http', triageChannel: config.triageChannel, escalationChannel: config.escalationChannel },
    `slack: on (${config.appToken ? 'Socket Mode' : `HTTP at ${SLACK_EVENTS_PATH}`})`,
  );
  // Each team's cards go to its channel; a ticket of no known team to the default team's.
  const routing = deps.config.routing;
  const cards = { byTeam: Object.fromEntries(routing.teams.map((t) => [t.name, t.channel])), fallback: teamChannel(routing, routing.defaultTeam, config.triageChannel) };
  if (!cards.fallback) logger.warn('slack: SLACK_TRIAGE_CHANNEL is not set (nor a default team in switchboard.yml), so no ticket cards are posted');

  const { tickets, jobs, clock } = deps;
  const sql = deps.database.sql;
  const client = createWebClient(config, logger, deps.fetch);
  // Slack's presence and Do Not Disturb count for auto-assignment, beside the duty flag.
  tickets.useAvailability(slackAvailability({ client, clock, logger }));
  const sync: SyncDeps = { sql, jobs, client, files: tickets.context.files, logger, config, teams: routing.teams.map((t) => t.name) };
  const macros = createMacros({ sql, tickets });
  const kb = createKnowledgeBase({ sql, config: deps.config.knowledge, logger });
  const bolt = createBoltApp({ config, sql, tickets, clock, logger, fetch: deps.fetch, channelStatus: deps.channelStatus, reports: deps.reports, ...(deps.apiTokens ? { apiTokens: deps.apiTokens } : {}), admins: config.admins, macros, kb });
  const dispatch = createDispatch({ sql, jobs, bolt, logger });
  let socket: SocketModeTransport | undefined;

  // The weekly digest (DIGEST_CHANNEL, DIGEST_SCHEDULE): every instance registers the same
  // schedule (an upsert) and a worker; pg-boss sends each occurrence once.
  const digest = deps.config.reports.digest;
  const scheduleDigest = async () => {
    if (!digest) {
      await jobs.boss.unschedule(QUEUES.weeklyDigest);
      return;
    }
    await jobs.boss.schedule(QUEUES.weeklyDigest, digest.schedule, {}, { tz: deps.config.reports.timezone });
    await jobs.work(QUEUES.weeklyDigest, {}, async () => {
      await postWeeklyDigest({ sql, client, reports: deps.reports, config, logger, channel: digest.channel });
    });
    logger.info({ channel: digest.channel, schedule: digest.schedule, timezone: deps.config.reports.timezone }, 'weekly digest: on');
  };

  const module: CoreModule = {
    name: 'slack',
    ...(cards.fallback ? { observer: slackObserver({ jobs, cards: { byTeam: cards.byTeam, fallback: cards.fallback }, kb }) } : {}),
    noticeObserver: slackNoticeObserver(jobs),
    ...(config.signingSecret ? { routes: (app) => slackRoutes(app, { signingSecret: config.signingSecret!, dispatch }) } : {}),
    async start() {
      // switchboard.yml's macros, stored by every instance (an upsert that changes nothing twice).
      await macros.syncFromConfig(deps.config.macros);
      await kb.start();
      await jobs.work<{ ticketId: number }>(QUEUES.slackSync, { localConcurrency: 4 }, (job) => syncTicket(sync, job.data.ticketId));
      await jobs.work<{ event: Record<string, unknown> }>(QUEUES.slackEvent, { localConcurrency: 2 }, (job) =>
        handleSlackEvent({ sql, jobs, tickets, client, config, clock, logger, fetch: deps.fetch }, job.data.event),
      );
      // One at a time, oldest first: a notice is posted before its recovery (a notice closed
      // before it could be posted is not posted; its recovery says what it was).
      await jobs.work<NoticeJob>(QUEUES.operatorNotice, { localConcurrency: 1 }, (job) => runNoticeJob({ sql, jobs, client, config, logger }, job.data));
      await scheduleDigest();
      if (config.appToken) {
        socket = createSocketMode({ appToken: config.appToken, clientOptions: webClientOptions(config, logger, deps.fetch), dispatch, logger });
        socket.start();
      }
    },
    async stop() {
      kb.stop();
      await socket?.stop();
    },
  };
  return module;
};
