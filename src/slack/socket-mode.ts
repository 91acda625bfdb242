import { SocketModeClient } from '@slack/socket-mode';
import type { webApi } from '@slack/bolt';
import type { Logger } from '../log.ts';
import { backoffDelay } from '../shared/backoff.ts';
import { ChannelInputError } from '../shared/http.ts';
import type { Dispatch } from './dispatch.ts';
import { boltLogger } from './slack-api.ts';

/** A Socket Mode connection: started once, reconnecting by itself until stopped. */
export interface SocketModeTransport {
  start(): void;
  stop(): Promise<void>;
}

// After a failed start (Slack down, a network error), try again after 1 s, doubling to a minute,
// with jitter: every instance keeps its own connection, and they should not all retry at once.
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * Socket Mode, for installs behind a firewall: Slack sends events, commands and interactions
 * over a WebSocket the app opens with its app-level token. Each envelope is acknowledged with
 * what the dispatcher answers; one that fails is not acknowledged, so Slack redelivers an
 * event (a command or interaction shows the agent an error).
 *
 * Every instance keeps its own connection: Slack allows several per app and hands each
 * envelope to one of them, and events are deduplicated by event_id in Postgres, so no leader
 * is needed and no failover gap either.
 * https://docs.slack.dev/apis/events-api/using-socket-mode#connections
 */
export function createSocketMode(deps: { appToken: string; clientOptions: webApi.WebClientOptions; dispatch: Dispatch; logger: Logger }): SocketModeTransport {
  const log = deps.logger.child({ component: 'slack-socket-mode' });
  const client = new SocketModeClient({
    appToken: deps.appToken,
    logger: boltLogger(deps.logger),
    autoReconnectEnabled: true,
    clientOptions: deps.clientOptions,
  });
  client.on('slack_event', async (envelope: { ack: (response?: Record<string, unknown>) => Promise<void>; type: string; body: Record<string, unknown>; retry_num?: number; retry_reason?: string }) => {
    try {
      const answer = await deps.dispatch(envelope.body, {
        ...(envelope.retry_num !== undefined ? { num: envelope.retry_num } : {}),
        ...(envelope.retry_reason ? { reason: envelope.retry_reason } : {}),
      });
      await envelope.ack(typeof answer === 'string' ? { text: answer } : answer);
    } catch (error) {
      if (error instanceof ChannelInputError) {
        // Malformed: delivering it again would not make it well-formed.
        log.warn({ err: error.message, field: error.field, type: envelope.type }, 'slack envelope refused as malformed; acknowledged');
        await envelope.ack().catch(() => {});
        return;
      }
      log.error({ err: error, type: envelope.type }, 'slack envelope failed; not acknowledged');
    }
  });
  client.on('connected', () => log.info('slack socket mode connected'));

  let stopped = false;
  let wake: (() => void) | undefined;
  async function connect(): Promise<void> {
    for (let attempt = 1; !stopped; attempt += 1) {
      try {
        await client.start();
        return;
      } catch (error) {
        if (stopped) return;
        const delay = backoffDelay({ attempt, baseMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS });
        log.error({ err: error, retryInMs: delay }, 'slack socket mode could not connect; retrying');
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, delay);
        });
      }
    }
  }
  return {
    start() {
      void connect();
    },
    async stop() {
      stopped = true;
      wake?.();
      await client.disconnect().catch(() => {});
    },
  };
}
