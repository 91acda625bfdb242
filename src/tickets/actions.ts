import type { Tx } from '../db/index.ts';
import { ConflictError, IllegalTransitionError, NotFoundError, ValidationError } from '../errors.ts';
import { QUEUES } from '../jobs/index.ts';
import { change, type RecordEvent, type TicketContext } from './context.ts';
import { setDuty as storeDuty } from './assignment.ts';
import { requestSurvey } from './automatic.ts';
import { nextStatus, type Priority, type Status } from './lifecycle.ts';
import { addTags, lockTicketByNumber, raiseEscalation, updateAssignee, updatePriority, updateStatus, updateTeam } from './tickets-sql.ts';
import type { Actor, Ticket } from './types.ts';

/** Runs an agent's change on a locked ticket; an unknown number is a NotFoundError. */
function onTicket<T>(ctx: TicketContext, number: number, fn: (tx: Tx, ticket: Ticket, record: RecordEvent, at: Date) => Promise<T>): Promise<T> {
  return change(ctx, async (tx, record, at) => {
    const ticket = await lockTicketByNumber(tx, number);
    if (!ticket) throw new NotFoundError(`there is no ticket #${number}`);
    return fn(tx, ticket, record, at);
  });
}

/**
 * Claims a ticket for `actor`. Two agents at once: the row lock orders them, the second finds
 * it taken and gets a ConflictError naming who has it.
 */
export function claim(ctx: TicketContext, number: number, actor: Actor): Promise<Ticket> {
  return onTicket(ctx, number, async (tx, ticket, record, at) => {
    if (ticket.assignee === actor) return ticket;
    const status = nextStatus(number, ticket.status, 'claim');
    if (ticket.assignee) throw new ConflictError(`#${number} is already claimed by <@${ticket.assignee}>`);
    const updated = await updateAssignee(tx, ticket.id, actor, status, at);
    record(updated, 'claimed', actor, { assignee: actor });
    if (status !== ticket.status) record(updated, 'status', actor, { from: ticket.status, to: status, reason: 'claimed' });
    return updated;
  });
}

/** Assigns a ticket to `assignee` (a Slack user id), or unassigns it with null. */
export function assign(ctx: TicketContext, number: number, assignee: string | null, actor: Actor): Promise<Ticket> {
  return onTicket(ctx, number, async (tx, ticket, record, at) => {
    const status = assignee ? nextStatus(number, ticket.status, 'claim') : ticket.status;
    if (ticket.status === 'closed') throw new IllegalTransitionError(`#${number} is closed`, ticket.status, 'assign');
    if (ticket.assignee === assignee) return ticket;
    const updated = await updateAssignee(tx, ticket.id, assignee, status, at);
    record(updated, 'assigned', actor, { from: ticket.assignee, to: assignee });
    if (status !== ticket.status) record(updated, 'status', actor, { from: ticket.status, to: status, reason: 'assigned' });
    return updated;
  });
}

export function setPriority(ctx: TicketContext, number: number, priority: Priority, actor: Actor): Promise<Ticket> {
  return onTicket(ctx, number, (tx, ticket, record, at) => changePriority(tx, ticket, priority, actor, record, at));
}

/** `setPriority` inside a change already under way. */
export async function changePriority(tx: Tx, ticket: Ticket, priority: Priority, actor: Actor, record: RecordEvent, at: Date): Promise<Ticket> {
  if (ticket.status === 'closed') throw new IllegalTransitionError(`#${ticket.number} is closed`, ticket.status, 'priority');
  if (ticket.priority === priority) return ticket;
  const updated = await updatePriority(tx, ticket.id, priority, at);
  record(updated, 'priority', actor, { from: ticket.priority, to: priority });
  return updated;
}

/** Moves a ticket to another team (its card follows, in the team's channel). */
export function moveTeam(ctx: TicketContext, number: number, team: string, actor: Actor): Promise<Ticket> {
  return onTicket(ctx, number, async (tx, ticket, record, at) => {
    const teams = ctx.routing?.teams ?? [];
    if (!teams.some((t) => t.name === team)) {
      throw new ValidationError(teams.length ? `there is no team ${team}: the teams are ${teams.map((t) => t.name).join(', ')}` : 'no teams are configured (switchboard.yml)', 'team');
    }
    if (ticket.status === 'closed') throw new IllegalTransitionError(`#${number} is closed`, ticket.status, 'team');
    const from = ticket.team ?? ctx.routing?.defaultTeam ?? null;
    if (from === team) return ticket;
    const updated = await updateTeam(tx, ticket.id, team, at);
    record(updated, 'team-moved', actor, { from, to: team });
    return updated;
  });
}

/**
 * An agent goes on or off duty. Coming on duty, they are given the oldest unassigned tickets
 * of their auto-assigning teams, up to each team's capacity. Returns the tickets given.
 */
export function setDuty(ctx: TicketContext, agent: string, onDuty: boolean): Promise<{ changed: boolean; assigned: number[] }> {
  return change(ctx, async (tx, record, at) => {
    const changed = await storeDuty(tx, agent, onDuty, at);
    const assigned: number[] = [];
    if (!onDuty) return { changed, assigned };
    for (const team of ctx.routing?.teams ?? []) {
      if (team.assignment.strategy === 'off' || !team.members.includes(agent)) continue;
      const [load] = await tx<{ open: number }[]>`select count(*)::int as open from tickets where assignee = ${agent} and status not in ('resolved', 'closed')`;
      const room = (team.assignment.capacity ?? Number.POSITIVE_INFINITY) - (load?.open ?? 0);
      if (room <= 0) continue;
      const waiting = await tx<Ticket[]>`
        select * from tickets where team = ${team.name} and assignee is null and status not in ('resolved', 'closed')
        order by created_at, id limit ${Number.isFinite(room) ? room : 100} for update skip locked`;
      for (const ticket of waiting) {
        const status = nextStatus(ticket.number, ticket.status, 'claim');
        const updated = await updateAssignee(tx, ticket.id, agent, status, at);
        record(updated, 'assigned', 'system', { from: null, to: agent, by: 'on duty' });
        if (status !== ticket.status) record(updated, 'status', 'system', { from: ticket.status, to: status, reason: 'assigned' });
        assigned.push(ticket.number);
      }
    }
    return { changed, assigned };
  });
}

export type AgentTransition = 'set-pending' | 'resolve' | 'reopen' | 'close';

/**
 * Moves a ticket by an agent's hand: pending, resolve, reopen, close (product.md §2). Resolving
 * asks the customer to rate it, once per ticket; closing never does (a ticket merged away is
 * closed, never resolved, so it is never surveyed).
 */
export function transition(ctx: TicketContext, number: number, event: AgentTransition, actor: Actor): Promise<Ticket> {
  return onTicket(ctx, number, (tx, ticket, record, at) => moveStatus(ctx, tx, ticket, event, actor, record, at));
}

/** `transition` inside a change already under way (a macro's status after its reply). */
export async function moveStatus(ctx: TicketContext, tx: Tx, ticket: Ticket, event: AgentTransition, actor: Actor, record: RecordEvent, at: Date): Promise<Ticket> {
  const status: Status = nextStatus(ticket.number, ticket.status, event);
  const updated = await updateStatus(tx, ticket.id, status, at);
  record(updated, 'status', actor, { from: ticket.status, to: status });
  if (status === 'resolved') {
    await ctx.jobs.send(tx, QUEUES.autoClose, { ticketId: ticket.id }, { startAfter: new Date(Date.now() + ctx.reopenWindowMs) });
    await requestSurvey(ctx, tx, record, updated, at);
  }
  return updated;
}

/** Raises the escalation level, recording why. */
export function escalate(ctx: TicketContext, number: number, actor: Actor, reason: string | null): Promise<Ticket> {
  return onTicket(ctx, number, async (tx, ticket, record, at) => {
    if (ticket.status === 'closed') throw new IllegalTransitionError(`#${number} is closed`, ticket.status, 'escalate');
    const updated = await raiseEscalation(tx, ticket.id, at);
    record(updated, 'escalated', actor, { level: updated.escalationLevel, reason });
    return updated;
  });
}

const TAG = /^[\p{L}\p{N}][\p{L}\p{N}_\-.:/]{0,49}$/u;

/** Tags as stored: lower-cased, without a leading #, each once; a ValidationError names a bad one. */
export function cleanTags(tags: readonly string[]): string[] {
  const clean = [...new Set(tags.map((t) => t.replace(/^#/, '').toLowerCase()))];
  const bad = clean.find((t) => !TAG.test(t));
  if (clean.length === 0) throw new ValidationError('give at least one tag', 'tags');
  if (bad !== undefined) throw new ValidationError(`"${bad}" is not a tag: use letters, digits and - _ . : /`, 'tags');
  return clean;
}

/** Adds tags (lower-cased, each a word of letters, digits and - _ . : /). */
export function tag(ctx: TicketContext, number: number, tags: string[], actor: Actor): Promise<Ticket> {
  const clean = cleanTags(tags);
  return onTicket(ctx, number, (tx, ticket, record, at) => addTicketTags(tx, ticket, clean, actor, record, at));
}

/** Adds clean tags inside a change already under way. */
export async function addTicketTags(tx: Tx, ticket: Ticket, clean: readonly string[], actor: Actor, record: RecordEvent, at: Date): Promise<Ticket> {
  const added = clean.filter((t) => !ticket.tags.includes(t));
  if (added.length === 0) return ticket;
  const updated = await addTags(tx, ticket.id, added, at);
  record(updated, 'tagged', actor, { added });
  return updated;
}

/**
 * The auto-close job: closes a resolved ticket once its reopen window has passed. Re-reads the
 * ticket, so a reopened or already closed ticket is left alone.
 */
export async function autoClose(ctx: TicketContext, ticketId: number): Promise<void> {
  await change(ctx, async (tx, record, at) => {
    const [ticket] = await tx<Ticket[]>`select * from tickets where id = ${ticketId} for update`;
    if (!ticket || ticket.status !== 'resolved' || !ticket.resolvedAt) return;
    const endsAt = ticket.resolvedAt.getTime() + ctx.reopenWindowMs;
    if (at.getTime() < endsAt) {
      await ctx.jobs.send(tx, QUEUES.autoClose, { ticketId }, { startAfter: new Date(Date.now() + endsAt - at.getTime()) });
      return;
    }
    const closed = await updateStatus(tx, ticket.id, 'closed', at);
    record(closed, 'status', 'system', { from: 'resolved', to: 'closed', reason: 'reopen window ended' });
  });
}
