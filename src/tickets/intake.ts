import { randomUUID } from 'node:crypto';
import { IDENTITY_KIND_OF, type ChannelName, type IdentityKind, type InboundMessage, type IngestResult, type KnownChannelName } from '../channels/contract.ts';
import { ValidationError } from '../errors.ts';
import { cleanInbound } from './clean.ts';
import { normaliseAddress, normaliseEmail, normalisePhone } from '../shared/address.ts';
import type { Tx } from '../db/index.ts';
import { contactAttributes, findIdentity, insertContactWithIdentity, lockSender, setIdentityLanguage, setOptOut, updateDisplayName } from './contacts-sql.ts';
import { answerAutomatically } from './automatic-answers.ts';
import { acknowledge } from './automatic.ts';
import { normaliseLanguage } from '../shared/language.ts';
import { awayMembers, pickAgent } from './assignment.ts';
import { route, type RoutingDecision } from './routing.ts';
import { change, type TicketContext } from './context.ts';
import { decide } from './lifecycle.ts';
import { findByExternalId, insertMessageWithId, RepeatedPlatformId } from './messages-sql.ts';
import { addSystemMessage } from './system-messages.ts';
import { findMergeTarget } from './merge-sql.ts';
import { findActiveTicket, findHintedTicket, findLatestTicketId, insertTicket, touchInbound, updateStatus } from './tickets-sql.ts';

const SUBJECT_LENGTH = 80;

/**
 * Stores one customer message, in one transaction: finds or creates the contact and identity,
 * finds the ticket its threading hints name (when it is the sender's), else the contact's
 * active ticket on the conversation, or opens one (reopening a resolved
 * ticket within REOPEN_WINDOW, else linking a new ticket to it), inserts the message keyed by
 * the platform's id, records events and lets observers enqueue their jobs. A repeat of the
 * platform id stores nothing and reports `duplicate`. A status question or a survey score is
 * answered by Switchboard itself (automatic-answers.ts); a new ticket is acknowledged.
 */
export async function ingest(ctx: TicketContext, dirty: InboundMessage): Promise<IngestResult> {
  const inbound = cleanInbound(dirty);
  const kind = inbound.identityKind ?? identityKindOf(ctx, inbound.channel);
  const address = normaliseAddress(kind, inbound.from);
  if (!address) throw new ValidationError(`"${inbound.from}" is not a ${kind} address`, 'from');
  const conversation = kind === 'phone' ? (normalisePhone(inbound.conversation) ?? inbound.conversation) : inbound.conversation;
  if (!conversation) throw new ValidationError('conversation is empty', 'conversation');
  if (!inbound.externalId) throw new ValidationError('the platform message id is empty', 'id');

  // Files first, outside the transaction: content-addressed, so a retry writes nothing new.
  const [original, attachments] = await Promise.all([
    inbound.original ? ctx.files.put(inbound.original) : undefined,
    Promise.all(inbound.attachments.map((file) => ctx.files.put(file))),
  ]);
  const cc = copiedAddresses(inbound.cc ?? [], address);

  try {
    return await change(ctx, async (tx, record, at, later) => {
      // Sent together: postgres.js pipelines them on the transaction's connection and the
      // server runs them in order, so the reads see what committed before the lock was ours.
      const [, existing, found, active, hinted] = await Promise.all([
        lockSender(tx, kind, address),
        findByExternalId(tx, inbound.channel, inbound.externalId),
        findIdentity(tx, kind, address),
        findActiveTicket(tx, kind, address, inbound.channel, conversation),
        findHintedTicket(tx, { kind, address }, inbound.channel, inbound.references ?? [], inbound.ticketHint),
      ]);
      if (existing) return { ticket: existing.number, message: existing.id, duplicate: true };

      // The hints name the ticket the customer answers; a closed one is only linked to.
      let ticket = hinted && hinted.status !== 'closed' ? hinted : active;
      // A conversation whose ticket was merged away continues on the ticket it went into.
      const merged = !ticket && found ? await findMergeTarget(tx, { hintedId: hinted?.mergedInto ? hinted.id : null, contactId: found.contactId, channel: inbound.channel, conversation }) : undefined;
      if (merged) ticket = merged;
      // Where the customer wrote to and who they copied belong to the ticket's own channel only.
      const elsewhere = merged !== undefined && merged.channel !== inbound.channel;
      const language = normaliseLanguage(inbound.language) ?? found?.language ?? null;
      // A sender new to us has no ticket yet (every look-up above goes through their identity),
      // so a new one is opened below: their contact and identity go out with its insert, which
      // finds them by address, instead of a round trip before it.
      const created = found ? undefined : insertContactWithIdentity(tx, kind, address, inbound.name ?? null, language);
      if (created) later(created);
      if (found && inbound.name && inbound.name !== found.displayName) await updateDisplayName(tx, found, inbound.name);
      if (found && language && language !== found.language) await setIdentityLanguage(tx, found.id, language);

      // A sender new to us has no ticket to ask about nor survey to answer.
      if (found) {
        const answered = await answerAutomatically(ctx, tx, record, { inbound, identity: found, current: ticket, conversation, language, at });
        if (answered) return answered;
      }

      const withinWindow = ticket?.resolvedAt ? at.getTime() - ticket.resolvedAt.getTime() <= ctx.reopenWindowMs : true;
      const decision = ticket ? decide(ticket.number, ticket.status, 'customer-message', withinWindow) : ({ newLinkedTicket: true } as const);

      // The message's id is chosen here, so its event and what observers read of it go out
      // with its insert instead of a round trip after it.
      const messageId = randomUUID();
      const store = (ticketId: number) =>
        insertMessageWithId(tx, {
          id: messageId,
          ticketId,
          channel: inbound.channel,
          direction: 'inbound',
          author: null,
          text: inbound.text,
          attachments,
          ...(original ? { original } : {}),
          externalId: inbound.externalId,
          at,
        }).then((stored) => {
          // Under the sender lock a repeat is found above; a platform id stored already means
          // the same id came from another sender. The whole change rolls back; the first is
          // reported.
          if (!stored) throw new RepeatedPlatformId();
        });
      let opened = false;
      if (ticket && 'status' in decision) {
        const from = ticket.status;
        // Neither is read back nor waited for here: both go out with the events and the
        // observers' statements, in this order, and settle before commit (`later`).
        later(touchInbound(tx, ticket.id, decision.status, elsewhere ? null : (inbound.recipient ?? null), elsewhere ? [] : cc, at));
        later(store(ticket.id));
        if (from !== decision.status) record(ticket, 'status', 'customer', { from, to: decision.status, reason: 'customer wrote' });
      } else {
        let previousTicketId: number | null = null;
        if (ticket) {
          // Resolved, and the reopen window has passed: it should have auto-closed already.
          const closed = await updateStatus(tx, ticket.id, 'closed', at);
          record(closed, 'status', 'system', { from: ticket.status, to: 'closed', reason: 'reopen window ended' });
          previousTicketId = ticket.id;
        } else if (hinted) {
          previousTicketId = hinted.id;
        } else if (found) {
          previousTicketId = (await findLatestTicketId(tx, found.contactId, inbound.channel, conversation)) ?? null;
        }
        const subject = subjectOf(inbound);
        const routed = await routeNewTicket(ctx, tx, { inbound, address, contactId: found?.contactId, subject, at });
        // A rule's assignee, else the team's turn (round-robin, least-loaded), else nobody.
        const team = ctx.routing?.teams.find((t) => t.name === routed.team);
        const assignee = routed.assignee ?? (team ? await pickAgent(tx, team, await awayMembers(ctx.availability, team)) : undefined);
        const assignedBy = routed.assignee ? `rule ${routed.rules.at(-1)}` : assignee ? team!.assignment.strategy : undefined;
        ticket = await insertTicket(tx, {
          owner: found ? { contactId: found.contactId, identityId: found.id } : { kind, address },
          channel: inbound.channel,
          conversation,
          recipient: inbound.recipient ?? null,
          subject,
          cc,
          previousTicketId,
          team: routed.team ?? null,
          ...(routed.priority ? { priority: routed.priority } : {}),
          tags: routed.tags,
          ...(assignee ? { assignee } : {}),
          routedBy: routed.rules,
          at,
        });
        record(ticket, 'created', 'customer', { channel: ticket.channel, priority: ticket.priority, previousTicketId });
        if (routed.rules.length > 0) {
          record(ticket, 'routed', 'system', {
            team: routed.team ?? null,
            rules: routed.rules,
            ...(routed.priority ? { priority: routed.priority } : {}),
            ...(routed.tags.length ? { tags: routed.tags } : {}),
            ...(routed.assignee ? { assignee: routed.assignee } : {}),
          });
        }
        if (assignee) record(ticket, 'assigned', 'system', { from: null, to: assignee, ...(assignedBy ? { by: assignedBy } : {}) });
        later(store(ticket.id));
        opened = true;
      }

      // Back by now (it went out before the ticket's insert), or there was none to make.
      const identity = found ?? (await created!);
      record(ticket, 'message', 'customer', { messageId, direction: 'inbound' });
      // Nothing to someone who opted out (SMS STOP), unless this message opts them back in.
      const reachable = inbound.consent ? inbound.consent === 'opt-in' : !identity.optedOutAt;
      if (opened && reachable) await acknowledge(ctx, tx, record, ticket, { name: inbound.name ?? identity.displayName, language }, at);

      if (inbound.consent) {
        const optedOut = inbound.consent === 'opt-out';
        await setOptOut(tx, identity.id, optedOut ? at : null);
        record(ticket, 'consent', 'customer', { identityId: identity.id, optedOut });
        await addSystemMessage(tx, record, ticket, optedOut
          ? 'The customer opted out (STOP): nothing more is sent to them until they write START.'
          : 'The customer opted back in (START): replies are sent again.', at);
      }
      return { ticket: ticket.number, message: messageId, duplicate: false };
    });
  } catch (error) {
    if (!(error instanceof RepeatedPlatformId)) throw error;
    const existing = await findByExternalId(ctx.sql, inbound.channel, inbound.externalId);
    if (!existing) throw error;
    return { ticket: existing.number, message: existing.id, duplicate: true };
  }
}

/** The team and settings the routing rules give a new ticket (no routing: nothing). */
async function routeNewTicket(
  ctx: TicketContext,
  tx: Tx,
  input: { inbound: InboundMessage; address: string; contactId: number | undefined; subject: string | null; at: Date },
): Promise<RoutingDecision> {
  if (!ctx.routing || (ctx.routing.rules.length === 0 && !ctx.routing.defaultTeam)) return { team: undefined, tags: [], rules: [] };
  // A new contact has no attributes yet: nothing to read.
  const attributes = input.contactId !== undefined && ctx.routing.rules.length > 0 ? await contactAttributes(tx, input.contactId) : { tags: [], custom: {} };
  return route(ctx.routing, {
    channel: input.inbound.channel,
    text: input.inbound.text,
    subject: input.inbound.subject ?? null,
    address: input.address,
    contactTags: attributes.tags,
    contactCustom: attributes.custom,
    insideHours: ctx.insideBusinessHours?.(input.at),
  });
}

/** The copied addresses as stored: valid emails, each once, without the sender's own. */
function copiedAddresses(cc: readonly string[], sender: string): string[] {
  const addresses = cc.map((a) => normaliseEmail(a)).filter((a): a is string => a !== null && a !== sender);
  return [...new Set(addresses)];
}

function subjectOf(inbound: InboundMessage): string | null {
  const line = (inbound.subject ?? inbound.text).split('\n').find((l) => l.trim() !== '')?.trim();
  if (!line) return inbound.attachments.length > 0 ? `(${inbound.attachments.length} attachment${inbound.attachments.length > 1 ? 's' : ''})` : null;
  return line.length > SUBJECT_LENGTH ? `${line.slice(0, SUBJECT_LENGTH - 1)}…` : line;
}

/** Whose identities the channel's customers have: the module's say, else the platform's. */
export function identityKindOf(ctx: TicketContext, channel: ChannelName): IdentityKind {
  const kind = ctx.channels.get(channel)?.identityKind ?? IDENTITY_KIND_OF[channel as KnownChannelName];
  if (!kind) throw new ValidationError(`there is no ${channel} channel on this server`, 'channel');
  return kind;
}
