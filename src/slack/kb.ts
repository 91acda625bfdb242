import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Tx } from '../db/index.ts';
import { NotFoundError } from '../errors.ts';
import type { KnowledgeBase } from '../knowledge/index.ts';
import type { Logger } from '../log.ts';
import type { EventOf, TicketEvent, Tickets } from '../tickets/index.ts';
import { KB_ACTIONS, articleReply, readSendValue, saveArticleModal, suggestionPost } from './kb-views.ts';
import { errorLine, tell } from './responder.ts';
import { SHORTCUTS } from './shortcuts.ts';
import type { NewOutboxItem } from './slack-sql.ts';
import { mrkdwnToPlain } from './text.ts';

/**
 * A new ticket's suggestions, inside its change's transaction: the articles its first message
 * (and subject) match, as a thread post after the card. None when nothing matches.
 */
export async function suggestionItems(tx: Tx, kb: KnowledgeBase, events: readonly TicketEvent[]): Promise<NewOutboxItem[]> {
  const items: NewOutboxItem[] = [];
  for (const created of events.filter((e) => e.kind === 'created')) {
    const first = events.find((e): e is EventOf<'message'> => e.kind === 'message' && e.ticketId === created.ticketId && e.data.direction === 'inbound');
    if (!first) continue;
    const [row] = await tx<{ text: string }[]>`
      select concat_ws(' ', t.subject, m.text) as text from messages m join tickets t on t.id = m.ticket_id where m.id = ${first.data.messageId}`;
    if (!row?.text.trim()) continue;
    const hits = await kb.suggest(tx, row.text);
    if (hits.length) items.push({ ticketId: created.ticketId, kind: 'note', data: suggestionPost(created.number, hits) });
  }
  return items;
}

/**
 * The knowledge base in Slack: "Send to customer" on a suggestion (a reply through the normal
 * path, sent once per ticket and article however often it is clicked), and the "Save as
 * article" message shortcut with its modal.
 */
export function registerKnowledgeListeners(app: App, deps: { tickets: Tickets; kb: KnowledgeBase; logger: Logger }): void {
  const { tickets, kb, logger } = deps;

  app.action<BlockAction<ButtonAction>>(KB_ACTIONS.send, async ({ ack, body, action, respond }) => {
    await ack();
    const target = readSendValue(action.value);
    if (!target) return;
    try {
      const article = await kb.get(target.articleId);
      if (!article) throw new NotFoundError('that article is no longer in the knowledge base');
      const message = await tickets.reply({ ticket: target.number, author: body.user.id, text: articleReply(article), once: `kb:${target.number}:${article.id}` });
      // Another agent's click got there first: the customer has it once, from them.
      const line = message.author === body.user.id ? `“${article.title}” is sent to the customer of #${target.number} (once: another click sends nothing more).` : `<@${message.author}> already sent “${article.title}” to the customer of #${target.number}.`;
      await tell(respond, line, logger);
    } catch (error) {
      await tell(respond, errorLine(error, logger, { action: KB_ACTIONS.send, ticket: target.number }), logger);
    }
  });

  app.shortcut({ callback_id: SHORTCUTS.saveArticle, type: 'message_action' }, async ({ ack, shortcut, client, respond }) => {
    await ack();
    try {
      await client.views.open({ trigger_id: shortcut.trigger_id, view: saveArticleModal(mrkdwnToPlain(shortcut.message.text ?? '')) });
    } catch (error) {
      await tell(respond, errorLine(error, logger, { shortcut: SHORTCUTS.saveArticle }), logger);
    }
  });

  app.view(KB_ACTIONS.save, async ({ ack, body, view }) => {
    const values = view.state.values;
    const input = {
      title: values.title?.title?.value ?? '',
      body: values.body?.body?.value ?? '',
      tags: (values.tags?.tags?.value ?? '').split(/[\s,]+/).filter(Boolean),
    };
    try {
      await kb.save(input, body.user.id);
      await ack();
    } catch (error) {
      const field = (error as { field?: string }).field;
      const block = field === 'body' || field === 'tags' ? field : 'title';
      await ack({ response_action: 'errors', errors: { [block]: errorLine(error, logger, { view: KB_ACTIONS.save }) } });
    }
  });
}
