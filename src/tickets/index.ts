import type { InboundChoice, InboundDeletion, InboundEdit, InboundMessage, InboundStatus } from '../channels/contract.ts';
import { contactOfTicket, contactView, updateContact, type ContactPatch } from './contacts.ts';
import { QUEUES, deliveryQueueThrough } from '../jobs/index.ts';
import * as actions from './actions.ts';
import type { AgentAvailability, TicketContext, TicketObserver } from './context.ts';
import type { Db } from '../db/index.ts';
import { isOnDuty } from './assignment.ts';
import { findSurveyed } from './automatic-sql.ts';
import { choose, rateByLink } from './csat.ts';
import { deliverTicket } from './delivery.ts';
import { recordDeliveryReport } from './delivery-reports.ts';
import { ingest } from './intake.ts';
import { mergeTickets } from './merge.ts';
import { mergeContacts, unmergeContacts } from './contact-merge.ts';
import type { Priority } from './lifecycle.ts';
import { note, reply, sendTemplate, type NoteInput, type OnceReplyInput } from './replies.ts';
import { revise } from './revisions.ts';
import { decideHeld, expireHeld, replyOrHold, type HeldChoice, type ThreadReplyInput } from './held-replies.ts';
import { ticketView } from './view.ts';
import { findTicketByNumber, listTickets, type TicketFilter } from './tickets-sql.ts';
import type { Actor } from './types.ts';

export { DEFAULT_DELIVERY, change, type AgentAvailability, type TicketContext, type TicketMetrics, type TicketObserver, type DeliveryOptions, type RecordEvent } from './context.ts';
export { PRIORITIES, STATUSES, TRANSITIONS, decide, isPriority, isStatus, type Priority, type Status } from './lifecycle.ts';
export { cleanTags, type AgentTransition } from './actions.ts';
export type { MergeOutcome } from './merge.ts';
export type { ContactMergeOutcome } from './contact-merge.ts';
export type { Actor, AutomaticKind, CsatAnswerWay, EventData, EventKind, EventOf, Message, Ticket, TicketEvent } from './types.ts';
export { csatChoiceValue, parseCsatChoice, type CustomerReplies, type StatusLine, type Survey } from './customer-replies.ts';
export type { SlaTargetsReader, TicketSlaTarget, TicketView } from './view.ts';
export type { TicketFilter } from './tickets-sql.ts';
export type { ContactPatch, ContactView } from './contacts.ts';
export { addSystemMessage } from './system-messages.ts';
export { scheduleDelivery, type OnceReplyInput, type ReplyEffects } from './replies.ts';
export { HOLD_TIMEOUT_MS, RECENT_REPLY_MS, TIMEOUT_ACTOR, expireHeld, type HeldChoice, type HeldDecision, type HeldReply, type ThreadReplyResult } from './held-replies.ts';

/** The ticket operations every surface (API, Slack, SLA, channels) goes through. */
export function createTickets(ctx: TicketContext) {
  return {
    context: ctx,
    /** Adds an observer that runs inside every change's transaction. */
    observe(observer: TicketObserver): void {
      ctx.observers.push(observer);
    },
    /** Tells auto-assignment who is not around (Slack presence, Do Not Disturb). */
    useAvailability(availability: AgentAvailability): void {
      ctx.availability = availability;
    },
    /** Whether an agent is on duty (never set: yes). */
    /** Whether `agent` is on duty; `db` reads inside a caller's transaction. */
    isOnDuty: (agent: string, db: Db = ctx.sql) => isOnDuty(db, agent),
    ingest: (inbound: InboundMessage) => ingest(ctx, inbound),
    recordDeliveryReport: (report: InboundStatus) => recordDeliveryReport(ctx, report),
    /** A customer's edit or deletion of a message they sent. */
    revise: (event: InboundEdit | InboundDeletion) => revise(ctx, event),
    /** A customer pressed a button we sent (a survey's score). */
    choose: (choice: InboundChoice) => choose(ctx, choice),
    /** A score from the page an email survey's signed link opens. */
    rateByLink: (number: number, score: number, comment: string | null) => rateByLink(ctx, number, score, comment),
    /** A surveyed ticket, for the survey link's page; undefined when it was never surveyed. */
    surveyed: (number: number) => findSurveyed(ctx.sql, number),
    /** Queues an agent's reply; with `once`, a repeat of the key sends nothing more; `then` also sets status, priority, tags. */
    reply: (input: OnceReplyInput) => reply(ctx, input),
    note: (input: NoteInput) => note(ctx, input),
    /** An agent's reply from the card's thread: sent, or held when it collides with another agent's. */
    replyOrHold: (input: ThreadReplyInput) => replyOrHold(ctx, input),
    /** The author's choice for a held reply (send anyway, keep as a note, discard); the first one wins. */
    decideHeld: (id: number, choice: HeldChoice, actor: Actor) => decideHeld(ctx, id, choice, actor),
    /** Sends the channel's approved template (WhatsApp outside the 24-hour window). */
    sendTemplate: (number: number, actor: Actor) => sendTemplate(ctx, number, actor),
    claim: (number: number, actor: Actor) => actions.claim(ctx, number, actor),
    assign: (number: number, assignee: string | null, actor: Actor) => actions.assign(ctx, number, assignee, actor),
    setPriority: (number: number, priority: Priority, actor: Actor) => actions.setPriority(ctx, number, priority, actor),
    transition: (number: number, event: actions.AgentTransition, actor: Actor) => actions.transition(ctx, number, event, actor),
    escalate: (number: number, actor: Actor, reason: string | null) => actions.escalate(ctx, number, actor, reason),
    tag: (number: number, tags: string[], actor: Actor) => actions.tag(ctx, number, tags, actor),
    moveTeam: (number: number, team: string, actor: Actor) => actions.moveTeam(ctx, number, team, actor),
    /** Merges ticket #number into #into: its messages move there, it is closed pointing at it. */
    merge: (number: number, into: number, actor: Actor) => mergeTickets(ctx, number, into, actor),
    /** An agent on or off duty (auto-assignment gives tickets only to agents on duty). */
    setDuty: (agent: string, onDuty: boolean) => actions.setDuty(ctx, agent, onDuty),
    contact: (id: number) => contactView(ctx.sql, id),
    updateContact: (id: number, patch: ContactPatch, actor: Actor) => updateContact(ctx, id, patch, actor),
    contactOfTicket: (number: number) => contactOfTicket(ctx, number),
    /** Merges contact `from` into `into`: identities and tickets move; undone by its event. */
    mergeContacts: (from: number, into: number, actor: Actor) => mergeContacts(ctx, from, into, actor),
    /** Undoes the contact merge of event `eventId`, while nobody has written since from what moved. */
    unmergeContacts: (eventId: string, actor: Actor) => unmergeContacts(ctx, eventId, actor),
    view: (number: number) => ticketView(ctx.sql, number, ctx.slaTargets),
    find: (number: number) => findTicketByNumber(ctx.sql, number),
    /** Open tickets for queues and lists, oldest waiting first. */
    list: (filter: TicketFilter, db: Db = ctx.sql) => listTickets(db, filter),
    /**
     * Starts delivering replies on `channel` from this instance: for a channel that sends
     * through its connection, called while this instance holds it, and undone by `stopDelivering`.
     */
    async deliverThrough(channel: string): Promise<void> {
      await ctx.jobs.work<{ ticketId: number }>(deliveryQueueThrough(channel), { localConcurrency: 2 }, (job) => deliverTicket(ctx, job.data.ticketId));
    },
    async stopDeliveringThrough(channel: string): Promise<void> {
      await ctx.jobs.offWork(deliveryQueueThrough(channel));
    },
    /** Registers this module's job handlers. */
    async work(): Promise<void> {
      await ctx.jobs.work<{ ticketId: number }>(QUEUES.deliver, { localConcurrency: 4 }, (job) => deliverTicket(ctx, job.data.ticketId));
      await ctx.jobs.work<{ ticketId: number }>(QUEUES.autoClose, {}, (job) => actions.autoClose(ctx, job.data.ticketId));
      await ctx.jobs.work<{ heldId: number }>(QUEUES.heldReplyTimeout, {}, (job) => expireHeld(ctx, job.data.heldId));
    },
  };
}

export type Tickets = ReturnType<typeof createTickets>;
