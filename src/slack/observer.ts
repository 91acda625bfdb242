import type { Tx } from '../db/index.ts';
import type { Jobs } from '../jobs/index.ts';
import type { KnowledgeBase } from '../knowledge/index.ts';
import type { EventOf, TicketEvent, TicketObserver } from '../tickets/index.ts';
import { ensureCards, mergeThread, moveCard, queueItems, queueMessages, type CardChannels, type NewOutboxItem } from './slack-sql.ts';
import { suggestionItems } from './kb.ts';
import { slackDate } from './text.ts';
import { csatText, slaLateText, slaWarningText } from './thread-posts.ts';
import { scheduleSync } from './thread-sync.ts';

/**
 * Turns every ticket change into Slack work, inside the change's transaction: the ticket gets
 * a card row, its new messages and notices join its outbox, and its sync job is triggered.
 * All of it commits with the change or not at all, so Slack never misses one and never shows
 * one that did not happen.
 */
export function slackObserver(deps: { jobs: Jobs; cards: CardChannels; kb?: KnowledgeBase }): TicketObserver {
  return async (tx, events) => {
    if (events.length === 0) return;
    const byTicket = new Map<number, TicketEvent[]>();
    for (const event of events) byTicket.set(event.ticketId, [...(byTicket.get(event.ticketId) ?? []), event]);
    const ticketIds = [...byTicket.keys()];
    await ensureCards(tx, ticketIds, deps.cards);
    for (const moved of events.filter((e): e is EventOf<'team-moved'> => e.kind === 'team-moved')) {
      await moveCard(tx, moved.ticketId, deps.cards.byTeam[moved.data.to] ?? deps.cards.fallback);
    }

    for (const merged of events.filter((e): e is EventOf<'merged-in'> => e.kind === 'merged-in')) {
      const intro = `:twisted_rightwards_arrows: #${merged.data.from} was merged into this ticket by <@${merged.actor}>; its conversation follows.`;
      await mergeThread(tx, merged.data.fromTicketId, merged.ticketId, intro);
    }

    const messages = events.filter((e): e is EventOf<'message'> => e.kind === 'message');
    if (messages.length > 0) {
      const onCard = ticketIds.filter((id) => byTicket.get(id)!.some((e) => e.kind === 'created'));
      const offers = messages.filter((e) => e.data.offer === 'template').map((e) => e.data.messageId);
      await queueMessages(tx, messages.map((e) => e.data.messageId), onCard, offers);
    }
    await queueItems(tx, await noticesOf(tx, events));
    if (deps.kb) await queueItems(tx, await suggestionItems(tx, deps.kb, events));
    for (const ticketId of ticketIds) await scheduleSync(deps.jobs, tx, ticketId);
  };
}

/** Reactions on the agent's message as the platform reports it reached the customer. */
const DELIVERY_REACTIONS: Record<string, string> = { delivered: 'envelope_with_arrow', read: 'eyes' };

/** Outbox items for the events that say something in Slack beyond the card. */
async function noticesOf(tx: Tx, events: readonly TicketEvent[]): Promise<NewOutboxItem[]> {
  const items: NewOutboxItem[] = [];
  for (const event of events) {
    const { ticketId, kind, data } = event;
    switch (kind) {
      case 'reply-sent':
        // Delivery shows on the agent's own message: a reaction once the platform took it.
        items.push({ ticketId, kind: 'reaction', messageId: data.messageId, data: { name: 'white_check_mark' } });
        break;
      case 'delivery': {
        // And once the customer's phone has it, and has shown it (WhatsApp's receipts).
        const name = DELIVERY_REACTIONS[String(data.state)];
        if (name && typeof data.messageId === 'string') items.push({ ticketId, kind: 'reaction', messageId: data.messageId, data: { name } });
        break;
      }
      case 'escalated':
        items.push({ ticketId, kind: 'escalation', data: { type: 'escalated', actor: event.actor, level: data.level, reason: data.reason ?? null } });
        break;
      case 'sla-warning': {
        const [ticket] = await tx<{ assignee: string | null }[]>`select assignee from tickets where id = ${ticketId}`;
        const due = typeof data.dueAt === 'string' ? slackDate(new Date(data.dueAt), '{ago}') : 'soon';
        items.push({ ticketId, kind: 'note', data: { text: slaWarningText(data, ticket?.assignee ?? null, due) } });
        break;
      }
      case 'sla-breach':
        // A breach found only after its cycle ended (answered late) is for the reports and the
        // thread; paging managers about something already over would be noise.
        if (data.late) items.push({ ticketId, kind: 'note', data: { text: slaLateText(data) } });
        else items.push({ ticketId, kind: 'escalation', data: { ...data, type: kind } });
        break;
      case 'message-edited':
      case 'message-deleted':
        // The customer changed a message: its thread post (or the card) shows it in place.
        items.push({ ticketId, kind: 'revision', messageId: data.messageId });
        break;
      case 'sla-ladder':
        items.push({ ticketId, kind: 'escalation', data: { ...data, type: kind } });
        break;
      case 'csat':
        items.push({ ticketId, kind: 'note', data: { text: csatText(data) } });
        break;
      case 'merged':
        items.push({ ticketId, kind: 'note', data: { text: `:twisted_rightwards_arrows: <@${event.actor}> merged this ticket into #${data.into}: its messages and the customer's next ones are there now.` } });
        break;
    }
  }
  return items;
}
