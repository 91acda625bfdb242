/**
 * Echoes of the app's own posts. Slack sends a `message` event for every message in a
 * channel the app is subscribed to, its own included (they carry `bot_id`, `app_id` and
 * `bot_profile`); an app that relays thread messages to customers must drop them, or it
 * would send its own relays back out. Bolt's `ignoreSelf` middleware drops them by bot_id.
 * https://docs.slack.dev/reference/events/message
 */
import { eventCallback } from './events.ts';
import { deliverEvent } from './inbound-http.ts';
import type { SocketMode } from './socket-mode.ts';
import { channelType, type Workspace } from './workspace.ts';
import type { Channel, Json, SlackMessage } from './types.ts';

export type EchoTarget = { url: string } | 'socket' | false;

export interface Echo {
  event: Json;
  /** HTTP status of the delivery, or 0 when it failed / was not acked. */
  status?: number;
  acked?: boolean;
}

export function botMessageEvent(ws: Workspace, channel: Channel, message: SlackMessage): Json {
  return {
    ...structuredClone(message),
    channel: channel.id,
    event_ts: message.ts,
    channel_type: channelType(channel),
    bot_profile: { id: ws.app.botId, app_id: ws.app.id, name: ws.app.name, team_id: ws.team.id, deleted: false, icons: {} },
  };
}

/** From now on, deliver an echo of each bot message to `target` (false: stop). */
export function echoBotMessages(ws: Workspace, socket: SocketMode, target: EchoTarget, echoes: Echo[]): void {
  if (target === false) {
    delete ws.onBotMessage;
    return;
  }
  ws.onBotMessage = (channel, message) => {
    const envelope = eventCallback(ws, botMessageEvent(ws, channel, message));
    const echo: Echo = { event: envelope.event as Json };
    echoes.push(echo);
    if (target === 'socket') {
      socket.send('events_api', envelope).then(
        () => void (echo.acked = true),
        () => void (echo.acked = false),
      );
    } else {
      void deliverEvent(target.url, ws.tokens.signingSecret, envelope).then((d) => void (echo.status = d.status));
    }
  };
}
