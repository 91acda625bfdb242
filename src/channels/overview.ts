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
  const [connections, lastInbound] = await Promise.all([
    listConnections(db),
    db<{ channel: string; at: Date }[]>`
      select channel, max(created_at) as at from messages where direction = 'inbound' group by channel`,
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
