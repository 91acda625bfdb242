import type { App, ReceiverEvent } from '@slack/bolt';
import type { Sql } from '../db/index.ts';
import type { Jobs } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import { acceptEvent } from './events.ts';
import { readSlackDelivery } from './payloads.ts';

/** What to acknowledge a delivery with: nothing, a text, or a JSON body (a command's answer, a modal's errors). */
export type Ack = undefined | string | Record<string, unknown>;

/** Handles one delivery from Slack, whichever transport brought it, and resolves with its acknowledgement. */
export type Dispatch = (body: Record<string, unknown>, retry?: { num?: number; reason?: string }) => Promise<Ack>;

/**
 * One entry for both transports (HTTP and Socket Mode): the delivery's shape is checked first
 * (a wrong one is a 400 naming the field), url_verification is answered, events are stored
 * durably then acknowledged (their work runs in a job), commands and interactions go to Bolt's
 * listeners, which acknowledge with their answer, and kinds nothing listens for are acknowledged.
 */
export function createDispatch(deps: { sql: Sql; jobs: Jobs; bolt: App; logger: Logger }): Dispatch {
  return async (body, retry) => {
    const delivery = readSlackDelivery(body);
    switch (delivery.kind) {
      case 'url_verification':
        return { challenge: delivery.challenge };
      case 'event':
        await acceptEvent(deps, delivery.eventId, delivery.event);
        return undefined;
      case 'bolt':
        return processWithBolt(deps.bolt, deps.logger, delivery.body, retry);
      case 'ignored':
        deps.logger.debug({ type: delivery.type }, 'slack delivery acknowledged: nothing listens for it');
        return undefined;
    }
  };
}

/**
 * Runs Bolt's listeners for a command or interaction and resolves as soon as one of them
 * acknowledges (Slack waits 3 s for that); the listener may carry on afterwards.
 */
function processWithBolt(bolt: App, logger: Logger, body: Record<string, unknown>, retry?: { num?: number; reason?: string }): Promise<Ack> {
  return new Promise<Ack>((resolve, reject) => {
    let acked = false;
    const event: ReceiverEvent = {
      body,
      ...(retry?.num !== undefined ? { retryNum: retry.num } : {}),
      ...(retry?.reason !== undefined ? { retryReason: retry.reason } : {}),
      ack: async (response?: unknown) => {
        if (acked) return;
        acked = true;
        resolve(response as Ack);
      },
    };
    bolt.processEvent(event).then(
      () => {
        if (acked) return;
        acked = true;
        resolve(undefined);
      },
      (error: unknown) => {
        if (!acked) reject(error);
        else logger.error({ err: error }, 'slack listener failed after acknowledging');
      },
    );
  });
}
