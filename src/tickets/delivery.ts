import { ChannelSendError, type Channel, type OutboundMessage, type SendResult } from '../channels/contract.ts';
import { holdBack, takeSlot } from '../jobs/pacing.ts';
import { backoffDelay } from '../shared/backoff.ts';
import { formatDuration } from '../shared/duration.ts';
import { change, type TicketContext } from './context.ts';
import { surveyWithdrawal } from './automatic-sql.ts';
import { applyEarlyReports } from './delivery-reports.ts';
import { claimNextOutbound, deferClaim, lockPlatformId, markFailed, markSending, markSent, recordedPlatformIds, releaseForRetry, threadingIds } from './messages-sql.ts';
import { scheduleDelivery } from './schedule-delivery.ts';
import { addSystemMessage } from './system-messages.ts';
import { findTicketById, markFirstResponse, moveConversation } from './tickets-sql.ts';
import type { Identity, Message, Ticket } from './types.ts';

// Long enough for one send (adapters time out well within it); if the worker dies mid-send the
// message becomes claimable again after this, and is retried. Claims and retry holds run on
// the wall clock, not the business clock tests may move: they are machinery, not ticket time.
const HOLD_MS = 60_000;
// A platform refusing for pace (429 with Retry-After) is waited out without spending attempts
// for this long after the reply was written; still refused after that, a 429 counts like any
// other failure, so a reply cannot wait forever in silence. The shortest such wait keeps a
// `Retry-After: 0` from becoming a busy loop.
const RATE_LIMIT_PATIENCE_MS = 60 * 60_000;
const MIN_RATE_LIMIT_WAIT_MS = 250;
// A reply names this many of the conversation's platform ids (email References): enough to
// thread in every mail client, short enough for a header line limit.
const THREADING_IDS = 20;

/**
 * The delivery job: sends the ticket's queued replies oldest first, one at a time, until none
 * is left or one has to wait (a retry, a pacing slot), in which case the job is scheduled
 * again for that moment. A reply already sent is never sent again, so a job that runs twice
 * sends once.
 */
export async function deliverTicket(ctx: TicketContext, ticketId: number): Promise<void> {
  for (;;) {
    const claimed = await ctx.sql.begin((tx) => claimNextOutbound(tx, ticketId, new Date(), HOLD_MS));
    if (claimed === undefined) return;
    if (claimed === 'held') {
      const [head] = await ctx.sql<{ claimedUntil: Date }[]>`
        select claimed_until from messages where ticket_id = ${ticketId} and delivery = 'queued' and external_id is null
        order by seq limit 1`;
      const ticket = head ? await findTicketById(ctx.sql, ticketId) : undefined;
      if (head && ticket) await scheduleDelivery(ctx, ctx.sql, ticket, head.claimedUntil);
      return;
    }
    const outcome = await attempt(ctx, claimed);
    if (outcome === 'wait') return;
  }
}

type Outcome = 'sent' | 'failed' | 'wait';

/** How long a sent reply's recording is retried: well inside the claim, so no other worker sends it meanwhile. */
const RECORD_RETRY_MS = HOLD_MS / 2;

async function untilRecorded<T>(log: { warn(obj: object, msg: string): void }, record: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + RECORD_RETRY_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await record();
    } catch (error) {
      if (Date.now() >= giveUpAt) throw error;
      log.warn({ err: (error as Error).message, attempt }, 'reply sent but not yet recorded; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
    }
  }
}

async function attempt(ctx: TicketContext, message: Message): Promise<Outcome> {
  const ticket = (await findTicketById(ctx.sql, message.ticketId))!;
  const [identity] = await ctx.sql<Identity[]>`select * from identities where id = ${ticket.identityId}`;
  const channel = ctx.channels.get(ticket.channel);
  const log = ctx.logger.child({ ticket: ticket.number, message: message.id, channel: ticket.channel });

  const refusal = refuse(ctx, channel, ticket, identity!, message) ?? (message.automatic === 'survey' ? await withdrawn(ctx, ticket) : undefined);
  if (refusal) {
    const offer = refusal.code === 'outside_window' && channel?.sendOutsideReplyWindow
      ? { text: 'The approved template can be sent instead, inviting the customer to write back.', data: { offer: 'template' } }
      : undefined;
    await fail(ctx, ticket, message, refusal.reason, refusal.code, offer);
    log.info({ code: refusal.code }, 'reply not sent');
    return 'failed';
  }

  // A status answer goes where it was asked, which may not be the ticket's conversation.
  const conversation = message.conversation ?? ticket.conversation;
  const address = { to: identity!.address, conversation, ...(ticket.recipient ? { recipient: ticket.recipient } : {}) };
  const key = `${channel!.name}:${channel!.pacingKey?.(address) ?? 'default'}`;
  const rate = channel!.limits.sendsPerSecond;
  // Everything the request needs is ready before the slot is taken, so it leaves on its slot.
  const outbound = await outboundOf(ctx, ticket, identity!, message, conversation);
  // An earlier send got no answer: the platform may have it. Asked first where it can be; a
  // reply it has is recorded as sent with its id, not sent again. When the platform cannot be
  // asked now, the reply waits (as after a failed send), still unsure: never sent blind.
  if (message.unsureSince && channel!.findSent && !message.template) {
    let found: SendResult | undefined;
    try {
      found = await alreadySent(ctx, channel!, outbound, message.unsureSince);
    } catch (error) {
      return afterFailure(ctx, ticket, message, error, { key, rate, unsure: true, log });
    }
    if (found) {
      log.info({ externalId: found.externalId, attempts: message.attempts, unsureSince: message.unsureSince }, 'an earlier send had reached the platform; recorded, not sent again');
      return recordSent(ctx, ticket, message, found, log);
    }
  }
  if (rate) {
    const slot = await takeSlot(ctx.sql, key, 1000 / rate, ctx.delivery.maxPacingWaitMs);
    if (!slot.ready) {
      const until = new Date(Date.now() + slot.deferMs);
      await deferClaim(ctx.sql, message.id, until);
      await scheduleDelivery(ctx, ctx.sql, ticket, until);
      return 'wait';
    }
  }

  let result: SendResult;
  try {
    await markSending(ctx.sql, message.id, new Date());
    result = message.template ? await channel!.sendOutsideReplyWindow!(outbound) : await channel!.send(outbound);
  } catch (error) {
    // No answer (a timeout, a reset) or not even a ChannelSendError: the platform may have it.
    const unsure = !(error instanceof ChannelSendError) || error.outcomeUnknown;
    return afterFailure(ctx, ticket, message, error, { key, rate, unsure, log });
  }
  try {
    return await recordSent(ctx, ticket, message, result, log);
  } catch (error) {
    // Sent, but not recorded even after retrying while the claim held: the reply stays queued,
    // unsure, so the next attempt finds it at the platform where it can be asked.
    return afterFailure(ctx, ticket, message, error, { key, rate, unsure: true, log });
  }
}

/** How much earlier than the unanswered send the platform may date its message: its `date_created` is by its own clock. */
const CLOCK_MARGIN_MS = 2 * 60_000;

/** The platform's message an earlier unanswered send became, if any: the oldest not recorded for another of ours. */
async function alreadySent(ctx: TicketContext, channel: Channel, outbound: OutboundMessage, since: Date): Promise<SendResult | undefined> {
  const candidates = await channel.findSent!(outbound, new Date(since.getTime() - CLOCK_MARGIN_MS));
  const recorded = await recordedPlatformIds(ctx.sql, channel.name, candidates.map((c) => c.externalId));
  return candidates.find((c) => !recorded.has(c.externalId));
}

type AttemptLog = TicketContext['logger'];

async function recordSent(ctx: TicketContext, ticket: Ticket, message: Message, result: SendResult, log: AttemptLog): Promise<Outcome> {
  // The customer has it now: recording that must not fail over to a second send. A database
  // blip (Postgres restarting, a dropped connection) is retried while the claim still holds
  // the message; only after that does the failure count as the send's.
  const recorded = await untilRecorded(log, () => change(ctx, async (tx, record, at) => {
    await lockPlatformId(tx, ticket.channel, result.externalId);
    const sent = await markSent(tx, message.id, result.externalId, result.state ?? 'sent', at);
    if (!sent) return false;
    // What Switchboard says by itself (an acknowledgement) answers nobody: not a first response.
    if (!message.automatic) await markFirstResponse(tx, ticket.id, at);
    record(ticket, 'reply-sent', message.author ?? 'system', {
      messageId: message.id,
      externalId: result.externalId,
      attempts: message.attempts,
      ...(message.automatic ? { automatic: message.automatic } : {}),
    });
    await applyEarlyReports(tx, record, at, ticket.channel, result.externalId);
    if (result.conversation && !message.conversation && result.conversation !== ticket.conversation) {
      // The send opened a new place for the conversation (a Discord thread): the customer's
      // next message arrives there.
      if (await moveConversation(tx, ticket.id, result.conversation, at)) {
        record(ticket, 'conversation-moved', 'system', { from: ticket.conversation, to: result.conversation });
      } else {
        log.warn({ conversation: result.conversation }, 'the platform moved the conversation where the contact already has a ticket; kept the old key');
      }
    }
    return true;
  }));
  if (recorded) ctx.metrics?.delivery(ticket.channel, 'sent');
  log.info({ externalId: result.externalId, attempts: message.attempts }, 'reply sent');
  return 'sent';
}

/**
 * A send (or the look-up before one) failed: back in line at the platform's pace, retried with
 * backoff, or failed for good. `unsure`: the platform may have the reply, so the next attempt
 * asks it first.
 */
async function afterFailure(
  ctx: TicketContext,
  ticket: Ticket,
  message: Message,
  error: unknown,
  options: { key: string; rate: number | undefined; unsure: boolean; log: AttemptLog },
): Promise<Outcome> {
  const { key, rate, unsure, log } = options;
  const sendError = error instanceof ChannelSendError ? error : new ChannelSendError((error as Error).message, { retryable: true, outcomeUnknown: true, cause: error });
  if (sendError.retryAfterMs !== undefined && rate) await holdBack(ctx.sql, key, sendError.retryAfterMs);
  const patient = ctx.clock.now() - message.createdAt.getTime() < RATE_LIMIT_PATIENCE_MS;
  if (sendError.rateLimited && sendError.retryAfterMs !== undefined && patient) {
    // Refused for pace alone, nothing processed: back in line when the platform says, as a
    // pacing wait is, without spending an attempt or backing off. (A look-up refused so leaves
    // the earlier send as unsure as it was.)
    const retryAt = new Date(Date.now() + Math.max(MIN_RATE_LIMIT_WAIT_MS, sendError.retryAfterMs));
    await deferClaim(ctx.sql, message.id, retryAt, !unsure);
    await scheduleDelivery(ctx, ctx.sql, ticket, retryAt);
    log.info({ code: sendError.code, retryInMs: retryAt.getTime() - Date.now() }, 'rate limited; will send when the platform allows');
    return 'wait';
  }
  if (sendError.retryable && message.attempts < ctx.delivery.maxAttempts) {
    const delay = Math.max(sendError.retryAfterMs ?? 0, backoff(ctx, message.attempts));
    const retryAt = new Date(Date.now() + delay);
    await releaseForRetry(ctx.sql, message.id, sendError.message, sendError.code ?? null, retryAt, unsure);
    await scheduleDelivery(ctx, ctx.sql, ticket, retryAt);
    log.warn({ err: sendError.message, code: sendError.code, attempts: message.attempts, retryInMs: delay, unsure }, 'send failed; will retry');
    return 'wait';
  }
  const reason = sendError.retryable ? `${sendError.message} (gave up after ${message.attempts} attempts)` : sendError.message;
  await fail(ctx, ticket, message, reason, sendError.code ?? null);
  log.warn({ err: sendError.message, code: sendError.code, attempts: message.attempts }, 'reply failed');
  return 'failed';
}

/** Reasons not to send at all, checked before every attempt. */
function refuse(ctx: TicketContext, channel: Channel | undefined, ticket: Ticket, identity: Identity, message: Message): { reason: string; code: string } | undefined {
  if (!channel) return { reason: `the ${ticket.channel} channel is not configured on this server`, code: 'channel_off' };
  if (identity.optedOutAt) {
    return { reason: 'the customer opted out (STOP): nothing is sent until they write START', code: 'opted_out' };
  }
  if (message.template) {
    return channel.sendOutsideReplyWindow ? undefined : { reason: `${channel.name} has no approved template to send`, code: 'no_template' };
  }
  const window = channel.limits.replyWindowMs;
  const last = ticket.lastInboundAt?.getTime() ?? ticket.createdAt.getTime();
  if (window !== undefined && ctx.clock.now() - last > window) {
    return { reason: `outside the ${formatDuration(window)} window: the customer last wrote ${formatDuration(ctx.clock.now() - last)} ago`, code: 'outside_window' };
  }
  if (message.text.length > channel.limits.maxTextLength) {
    return { reason: `too long for ${channel.name}: ${message.text.length} characters, at most ${channel.limits.maxTextLength}`, code: 'too_long' };
  }
  const tooBig = message.attachments.find((a) => a.size > channel.limits.maxAttachmentBytes);
  if (tooBig) {
    return channel.limits.maxAttachmentBytes === 0
      ? { reason: `${channel.name} cannot carry files (${tooBig.name})`, code: 'no_files' }
      : { reason: `${tooBig.name} is larger than ${channel.name} allows (${channel.limits.maxAttachmentBytes} bytes)`, code: 'file_too_large' };
  }
  return undefined;
}

/** A survey that must not go out any more: the ticket was merged away, or reopened before it left. */
async function withdrawn(ctx: TicketContext, ticket: Ticket): Promise<{ reason: string; code: string } | undefined> {
  const why = await surveyWithdrawal(ctx.sql, ticket.id);
  return why ? { reason: `the survey was withdrawn: ${why}`, code: 'survey_withdrawn' } : undefined;
}

async function fail(
  ctx: TicketContext,
  ticket: Ticket,
  message: Message,
  reason: string,
  code: string | null,
  offer?: { text: string; data: Record<string, unknown> },
): Promise<void> {
  const recorded = await change(ctx, async (tx, record, at) => {
    const failed = await markFailed(tx, message.id, 'failed', reason, code);
    if (!failed) return false;
    record(ticket, 'delivery', 'system', { messageId: message.id, state: 'failed', code, reason });
    await addSystemMessage(tx, record, ticket, `Not delivered: ${reason}${offer ? `. ${offer.text}` : ''}`, at, {
      messageId: message.id,
      code,
      ...offer?.data,
    });
    return true;
  });
  if (recorded) ctx.metrics?.delivery(ticket.channel, 'failed');
}

function backoff(ctx: TicketContext, attempts: number): number {
  return backoffDelay({ attempt: attempts, baseMs: ctx.delivery.baseDelayMs, maxMs: ctx.delivery.maxDelayMs });
}

async function outboundOf(ctx: TicketContext, ticket: Ticket, identity: Identity, message: Message, conversation: string): Promise<OutboundMessage> {
  const threading = await threadingIds(ctx.sql, ticket.id, THREADING_IDS);
  return {
    ...(ticket.subject ? { subject: ticket.subject } : {}),
    ...(threading.inReplyTo ? { inReplyTo: threading.inReplyTo } : {}),
    references: threading.references,
    ...(ticket.cc.length ? { cc: ticket.cc } : {}),
    id: message.id,
    ticket: ticket.number,
    to: identity.address,
    conversation,
    ...(ticket.recipient ? { recipient: ticket.recipient } : {}),
    text: message.text,
    attachments: message.attachments.map((file) => ({
      name: file.name,
      contentType: file.contentType,
      size: file.size,
      ...(ctx.fileUrl ? { url: ctx.fileUrl(file) } : {}),
      read: () => ctx.files.read(file.ref),
    })),
    ...(message.choices?.length ? { choices: message.choices } : {}),
  };
}
