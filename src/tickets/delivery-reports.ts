import type { ChannelName, InboundStatus } from '../channels/contract.ts';
import { cleanInbound } from './clean.ts';
import type { Tx } from '../db/index.ts';
import { change, type RecordEvent, type TicketContext } from './context.ts';
import { applyDeliveryReport, holdEarlyReport, lockPlatformId, takeEarlyReports } from './messages-sql.ts';
import { addSystemMessage } from './system-messages.ts';
import { findTicketById } from './tickets-sql.ts';

type Report = Pick<InboundStatus, 'channel' | 'externalId' | 'state' | 'error'>;

/**
 * Applies a platform's delivery report (sent, delivered, read, failed…) to the outbound
 * message it names. A report that would move the state backwards changes nothing; one for a
 * platform id we have not recorded yet is held until we do. A failure is told in the ticket's
 * thread with its reason.
 */
export async function recordDeliveryReport(ctx: TicketContext, dirty: InboundStatus): Promise<{ updated: boolean }> {
  const report = cleanInbound(dirty);
  const result = await change(ctx, async (tx, record, at) => {
    await lockPlatformId(tx, report.channel, report.externalId);
    const outcome = await applyReport(tx, record, at, report);
    if (outcome === 'unknown') await holdEarlyReport(tx, report.channel, report.externalId, report.state, report.error);
    return { updated: outcome === 'applied' };
  });
  if (result.updated) ctx.metrics?.delivery(report.channel, report.state);
  return result;
}

/**
 * Applies the reports that arrived before `externalId` was recorded. Call it in the
 * transaction that records the id, after `lockPlatformId`.
 */
export async function applyEarlyReports(tx: Tx, record: RecordEvent, at: Date, channel: ChannelName, externalId: string): Promise<void> {
  for (const early of await takeEarlyReports(tx, channel, externalId)) {
    const error = early.reason ? { reason: early.reason, ...(early.code ? { code: early.code } : {}) } : undefined;
    await applyReport(tx, record, at, { channel, externalId, state: early.state, ...(error ? { error } : {}) });
  }
}

async function applyReport(tx: Tx, record: RecordEvent, at: Date, report: Report): Promise<'applied' | 'stale' | 'unknown'> {
  const result = await applyDeliveryReport(tx, report.channel, report.externalId, report.state, report.error);
  if (result === 'unknown') return 'unknown';
  if (!result) return 'stale';
  const { after } = result;
  const ticket = (await findTicketById(tx, after.ticketId))!;
  record(ticket, 'delivery', 'system', { messageId: after.id, state: after.delivery, code: after.deliveryCode, reason: after.deliveryReason });
  if (after.delivery === 'failed' || after.delivery === 'undelivered') {
    await addSystemMessage(tx, record, ticket, `Not delivered: ${after.deliveryReason}`, at, { messageId: after.id, code: after.deliveryCode });
  }
  return 'applied';
}
