/**
 * The standard mixed load of a scenario: customer messages through the API channel and through
 * Twilio's webhook side by side, each retried by its platform until acknowledged, and the
 * tally afterwards (inbound lost and duplicated, replies queued, lost and duplicated).
 */
import type { Row } from '../../bench/lib/stats.ts';
import type { ChaosDesk } from './desk.ts';
import { drainReplies, inboundTally, outboundOf, replyTally } from './ledger.ts';
import { deliverAll, statusSummary, type Delivery } from './platform.ts';
import { tallyRows } from './scenario.ts';

export interface MixedLoad {
  api: Delivery;
  sms: Delivery;
}

export function startMixedLoad(desk: ChaosDesk, runId: string, options: { apiCount: number; apiRate: number; smsCount: number; smsRate: number; giveUpAt: () => number }): Promise<MixedLoad> {
  return Promise.all([
    deliverAll({ count: options.apiCount, ratePerSecond: options.apiRate, send: (i) => desk.apiMessage(runId, i), giveUpAt: options.giveUpAt }),
    deliverAll({ count: options.smsCount, ratePerSecond: options.smsRate, send: (i) => desk.smsMessage(runId, i), giveUpAt: options.giveUpAt }),
  ]).then(([api, sms]) => ({ api, sms }));
}

/** First acknowledgement at or after `since` (epoch ms), across both platforms. */
export function firstAckAfter(load: MixedLoad, since: number): number | undefined {
  const times = [...load.api.ackedAt.values(), ...load.sms.ackedAt.values()].filter((t) => t >= since);
  return times.length ? Math.min(...times) : undefined;
}

/** Waits for the replies to go out, then counts everything; rows named `prefix_…`. */
export async function tallyMixedLoad(desk: ChaosDesk, runId: string, load: MixedLoad, prefix: string, options: { drainMs: number; progress(m: string): void }): Promise<{ rows: Row[]; broken: string[] }> {
  const apiIds = [...load.api.acked].map((i) => desk.apiId(runId, i));
  const smsIds = [...load.sms.acked].map((i) => desk.smsSid(runId, i));
  const api = await inboundTally(desk.sql, 'api', apiIds);
  const sms = await inboundTally(desk.sql, 'sms', smsIds);
  const drain = await drainReplies(desk.sql, ['api', 'sms'], options.drainMs);
  options.progress(`${prefix}: replies drained in ${drain.ms} ms (${drain.queued} still queued); platform answers other than 2xx: api ${statusSummary(load.api.statuses)}, sms ${statusSummary(load.sms.statuses)}`);
  // The API channel's reply carries its id; an SMS carries none, so SMS replies are keyed by recipient (one acknowledgement each).
  // Duplicated: what a customer was shown twice. The customer's app shows a reply whose id it
  // accepted before once (README, API channel); such repeats on the wire are counted apart.
  const apiOut = await outboundOf(desk.sql, 'api');
  const smsOut = await outboundOf(desk.sql, 'sms');
  const apiReplies = replyTally(apiOut.map((m) => m.id), desk.customer.shown().map((b) => b.id));
  const resent = desk.customer.delivered().length - desk.customer.shown().length;
  // Replies whose send got no answer, found at Twilio by the look-up and recorded, not sent again.
  const found = desk.appOutputs().split('\n').filter((line) => line.includes('an earlier send had reached the platform')).length;
  const smsReplies = replyTally(smsOut.map((m) => m.to), desk.twilio.messages.map((m) => m.to));
  const unacked = load.api.unacked.length + load.sms.unacked.length;
  // A refusal (4xx) tells a platform to give up: during a crash or an outage only 5xx or no answer is right.
  const refused = [...load.api.statuses, ...load.sms.statuses].filter(([status]) => status >= 400 && status < 500).reduce((sum, [, n]) => sum + n, 0);
  const rows: Row[] = [
    ...tallyRows(prefix, {
      acknowledged: load.api.acked.size + load.sms.acked.size,
      lost: api.lost + sms.lost,
      duplicated: api.duplicated + sms.duplicated,
      note: `api ${load.api.acked.size}/${load.api.acked.size + load.api.unacked.length}, sms ${load.sms.acked.size}/${load.sms.acked.size + load.sms.unacked.length} acknowledged; ${load.api.attempts + load.sms.attempts} requests with retries`,
    }),
    { name: `${prefix}_refused_4xx`, value: refused, unit: 'answers', goal: { op: '=', target: 0 } },
    { name: `${prefix}_replies_queued`, value: apiReplies.queued + smsReplies.queued, unit: 'replies', goal: { op: '>=', target: 1 } },
    { name: `${prefix}_replies_lost`, value: apiReplies.lost + smsReplies.lost, unit: 'replies', goal: { op: '=', target: 0 }, note: `${drain.queued} still queued after ${Math.round(drain.ms / 1000)} s` },
    { name: `${prefix}_replies_duplicated`, value: apiReplies.duplicated + smsReplies.duplicated, unit: 'replies', goal: { op: '=', target: 0 }, note: `shown to a customer twice: api ${apiReplies.duplicated}, sms ${smsReplies.duplicated}` },
    { name: `${prefix}_replies_found_sent`, value: found, unit: 'replies', note: 'sends that got no answer, found at the platform (Twilio) and recorded instead of sent again' },
    { name: `${prefix}_replies_resent_same_id`, value: resent, unit: 'replies', note: 'API replies sent again under an id the customer\'s app had accepted (Idempotency-Key): on the wire twice, shown once' },
  ];
  const broken: string[] = [];
  if (api.lostIds.length || sms.lostIds.length) broken.push(`acknowledged but not stored: ${[...api.lostIds, ...sms.lostIds].slice(0, 10).join(', ')}`);
  if (unacked) broken.push(`${unacked} messages never acknowledged`);
  return { rows, broken };
}
