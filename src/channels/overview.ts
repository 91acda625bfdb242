import type { Db } from '../db/index.ts';
import { listConnections, type ConnectionState } from './connections-sql.ts';
import type { ChannelName } from './contract.ts';
import type { ChannelRuntime } from './registry.ts';

/** One channel as `/ticket channels` shows it. */
export interface ChannelStatusLine {
  channel: ChannelName;
  module: string;
  inbound: 'webhooks' | 'connection';
  /** A connection's state as its holder last reported it; webhook channels are `webhooks`. */
  state: ConnectionState | 'webhooks';
  detail: string | null;
  /** The instance holding the connection (null for webhooks: every instance answers them). */
  holder: string | null;
  /** Since when it has been in `state`. */
  since: Date | null;
  lastInboundAt: Date | null;
}

/** Every configured channel's state and holder, for operators. */
export async function channelOverview(db: Db, runtime: ChannelRuntime): Promise<ChannelStatusLine[]> {
  const names = [...runtime.channels.keys()];
  const [connections, lastInbound] = await Promise.all([
    listConnections(db),
    // The newest customer message per channel: a backward walk of the arrival order that stops
    // at the first, instead of aggregating every message ever stored.
    db<{ channel: string; at: Date }[]>`
      select c.channel, m.created_at as at from unnest(${names}::text[]) as c(channel)
      cross join lateral (
        select created_at from messages where channel = c.channel and direction = 'inbound' order by seq desc limit 1
      ) m`,
  ]);
  const held = new Map(connections.map((c) => [c.module, c]));
  const last = new Map(lastInbound.map((r) => [r.channel, r.at]));
  return runtime.modules.flatMap((built) =>
    built.channels.map((channel): ChannelStatusLine => {
      const connection = built.inbound.kind === 'connection' ? held.get(built.module) : undefined;
      return {
        channel: channel.name,
        module: built.module,
        inbound: built.inbound.kind,
        state: built.inbound.kind === 'webhooks' ? 'webhooks' : (connection?.holder ? connection.state : 'stopped'),
        detail: connection?.detail ?? null,
        holder: connection?.holder ?? null,
        since: connection?.stateSince ?? null,
        lastInboundAt: last.get(channel.name) ?? null,
      };
    }),
  );
}
