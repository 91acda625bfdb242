/**
 * The first half of the SLA clock: from a ticket's facts to the cycles of each metric, each a
 * list of runs (the spans its clock was counting) and how it ended. No targets and no
 * calendar here; `clock.ts` measures these runs against the policy.
 *
 * The rules follow Zendesk's SLA metrics (the reference of product.md §5):
 * https://support.zendesk.com/hc/en-us/articles/4408829459866 (defining SLA policies)
 * https://developer.zendesk.com/documentation/ticketing/reference-guides/ticket-metric-event-types-reference
 */
import { ValidationError } from '../errors.ts';
import { inOrder, type TicketFact } from './facts.ts';
import type { Metric, Priority, Status } from './types.ts';

/** A span during which a cycle's clock counted; `to` is null while it still does. */
export interface Run {
  from: number;
  to: number | null;
}

export interface RawCycle {
  metric: Metric;
  /** 1 for the metric's first cycle; nextReply and periodicUpdate count up from there. */
  cycle: number;
  startedAt: number;
  runs: Run[];
  /** `met`: fulfilled (a reply, a resolution); `stopped`: ended unfulfilled by resolve or close. */
  end: { at: number; how: 'met' | 'stopped' } | null;
  /** The priority whose target applies: the one when the cycle ended, else the current one. */
  priority: Priority;
}

export interface Timeline {
  status: Status;
  priority: Priority;
  cycles: RawCycle[];
}

const isUnresolved = (status: Status) => status === 'new' || status === 'open' || status === 'pending';

/** Replays a ticket's facts up to `now` into the cycles of every metric. */
export function buildTimeline(facts: readonly TicketFact[], now: Date): Timeline {
  const ordered = inOrder(facts).filter((fact) => fact.at.getTime() <= now.getTime());
  const first = ordered[0];
  if (first?.kind !== 'created') throw new ValidationError("a ticket's SLA history starts with its creation", 'facts');

  let status: Status = 'new';
  let priority: Priority = first.priority;
  const cycles: RawCycle[] = [];
  const latest: Partial<Record<Metric, RawCycle>> = {};
  // Whether an agent has replied at all, and the oldest customer message since the last reply.
  let replied = false;
  let waitingSince: number | null = null;

  const start = (metric: Metric, startedAt: number, runsFrom = startedAt) => {
    const cycle: RawCycle = {
      metric,
      cycle: (latest[metric]?.cycle ?? 0) + 1,
      startedAt,
      runs: [{ from: runsFrom, to: null }],
      end: null,
      priority,
    };
    cycles.push(cycle);
    latest[metric] = cycle;
  };
  const live = (metric: Metric) => (latest[metric]?.end === null ? latest[metric] : undefined);
  const pause = (metric: Metric, at: number) => {
    const run = live(metric)?.runs.at(-1);
    if (run && run.to === null) run.to = at;
  };
  const resume = (metric: Metric, at: number) => {
    const cycle = live(metric);
    if (cycle && cycle.runs.at(-1)?.to !== null) cycle.runs.push({ from: at, to: null });
  };
  const finish = (metric: Metric, at: number, how: 'met' | 'stopped') => {
    const cycle = live(metric);
    if (!cycle) return;
    pause(metric, at);
    cycle.end = { at, how };
    cycle.priority = priority;
  };

  // A reopen picks up where the resolve left off. Requester wait time and total resolution
  // time are one instance per ticket that re-activates after being fulfilled ("activate
  // events are also used to indicate that a ticket metric is no longer paused or, in some
  // cases, fulfilled"); neither counts time spent solved (total resolution counts new, open,
  // pending and on-hold). The customer's reopening message starts a next-reply cycle, and a
  // fresh periodic-update cycle starts, since the last update came before the resolve.
  const reopen = (t: number) => {
    for (const metric of ['resolution', 'totalResolution'] as const) {
      const cycle = latest[metric];
      if (cycle?.end?.how === 'met') cycle.end = null;
    }
    if (status !== 'pending') resume('resolution', t);
    resume('totalResolution', t);
    resume('firstReply', t);
    if (waitingSince !== null) start('nextReply', waitingSince, t);
    start('periodicUpdate', t);
  };

  for (const fact of ordered) {
    const t = fact.at.getTime();
    if (status === 'closed') break;
    switch (fact.kind) {
      case 'created':
        if (fact !== first) break;
        // Reply time (instance 1), requester wait time and total resolution all activate when
        // the ticket is created. Periodic update is "the longest an open ticket goes without
        // a public agent reply" (product.md §5), so its first cycle runs from creation too.
        for (const metric of ['firstReply', 'periodicUpdate', 'resolution', 'totalResolution'] as const) start(metric, t);
        break;

      case 'customer-message':
        // Next reply time runs from the oldest unanswered customer comment to the next public
        // agent comment, and only once the first reply has been given: before it, first
        // reply time is the target. Later messages before the reply do not restart it.
        if (!replied || waitingSince !== null) break;
        waitingSince = t;
        if (isUnresolved(status)) start('nextReply', t);
        break;

      case 'agent-reply':
        replied = true;
        waitingSince = null;
        finish('firstReply', t, 'met');
        finish('nextReply', t, 'met');
        // Periodic update measures the time between public agent replies: each reply
        // fulfils the running cycle and, on an unresolved ticket, starts the next.
        finish('periodicUpdate', t, 'met');
        if (isUnresolved(status)) start('periodicUpdate', t);
        break;

      case 'priority':
        priority = fact.priority;
        break;

      case 'status': {
        const previous: Status = status;
        status = fact.status;
        if (previous === status) break;
        if (isUnresolved(previous) && isUnresolved(status)) {
          // Requester wait time counts new, open and on-hold, not pending: waiting on the
          // customer pauses it, and their reply (status back to open) resumes it. Total
          // resolution time counts pending too, so it never pauses.
          if (status === 'pending') pause('resolution', t);
          else if (previous === 'pending') resume('resolution', t);
        } else if (isUnresolved(previous)) {
          // Solving fulfils the resolution metrics. Closing an unsolved ticket counts as its
          // resolution, as in Zendesk's first resolution time ("set to closed by a business
          // rule or API"). https://support.zendesk.com/hc/en-us/articles/4408834848154
          finish('resolution', t, 'met');
          finish('totalResolution', t, 'met');
          // Resolved and closed stop every reply clock: an unanswered message is taken as
          // settled by the resolution, and no update is owed on a solved ticket.
          finish('nextReply', t, 'stopped');
          finish('periodicUpdate', t, 'stopped');
          waitingSince = null;
          // First reply is only suspended by a resolve: if the customer reopens a ticket that
          // never had a reply, Zendesk's first reply time ends at the first public comment
          // after the reopen. A close ends it for good.
          if (status === 'closed') finish('firstReply', t, 'stopped');
          else pause('firstReply', t);
        } else if (isUnresolved(status)) {
          reopen(t);
        } else {
          finish('firstReply', t, 'stopped');
        }
        break;
      }
    }
  }

  for (const cycle of cycles) if (cycle.end === null) cycle.priority = priority;
  return { status, priority, cycles };
}
