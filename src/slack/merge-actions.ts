import type { App, BlockAction, BlockElementAction, RespondFn, types } from '@slack/bolt';
import type { Logger } from '../log.ts';
import type { Tickets } from '../tickets/index.ts';
import { CARD_ACTIONS, ticketOfBlockId } from './card.ts';
import { CONTACT_UNMERGE_ACTION, unmergedText } from './commands.ts';
import { errorLine } from './responder.ts';

export const MERGE_VIEW = 'ticket.merge';

/**
 * The Slack side of merging: the card's overflow menu ("Merge into…", a modal asking for the
 * target ticket) and the Undo button of a contact merge's confirmation.
 */
export function listenForMerges(app: App, deps: { tickets: Tickets; logger: Logger }): void {
  const { tickets, logger } = deps;

  // A modal must be opened with the click's trigger_id within 3 s, so at once, not in a job.
  // https://docs.slack.dev/surfaces/modals#opening_modals
  app.action<BlockAction<{ type: 'overflow'; selected_option: { value: string } } & BlockElementAction>>(CARD_ACTIONS.more, async ({ ack, body, action, client, respond }) => {
    await ack();
    const number = ticketOfBlockId(action.block_id);
    if (number === undefined || action.selected_option?.value !== 'merge') return;
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: mergeModal(number) });
    } catch (error) {
      await answer(respond, logger, { text: errorLine(error, logger, { action: 'merge', ticket: number }), replace_original: false });
    }
  });

  app.view(MERGE_VIEW, async ({ ack, body, view }) => {
    const number = Number(view.private_metadata);
    const typed = view.state.values.into?.into?.value?.trim() ?? '';
    if (!Number.isInteger(number) || number <= 0) {
      await ack({ response_action: 'errors', errors: { into: 'This form names no ticket: open it again from the card.' } });
      return;
    }
    const into = /^#?\d{1,9}$/.test(typed) ? Number(typed.replace('#', '')) : undefined;
    if (into === undefined) {
      await ack({ response_action: 'errors', errors: { into: `"${typed}" is not a ticket number: type the number of the ticket to merge #${number} into` } });
      return;
    }
    try {
      await tickets.merge(number, into, body.user.id);
      await ack();
    } catch (error) {
      await ack({ response_action: 'errors', errors: { into: errorLine(error, logger, { view: MERGE_VIEW, ticket: number }) } });
    }
  });

  // Undo on a contact merge's confirmation: done, the outcome replaces the confirmation;
  // refused, the reason is told beside it.
  app.action<BlockAction<{ type: 'button'; value: string } & BlockElementAction>>(CONTACT_UNMERGE_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    try {
      await answer(respond, logger, { text: unmergedText(await tickets.unmergeContacts(action.value, body.user.id)), replace_original: true });
    } catch (error) {
      await answer(respond, logger, { text: errorLine(error, logger, { action: CONTACT_UNMERGE_ACTION, event: action.value }), replace_original: false });
    }
  });
}

/** The merge modal: the number of the ticket to merge into. */
export function mergeModal(number: number): types.ModalView {
  return {
    type: 'modal',
    callback_id: MERGE_VIEW,
    private_metadata: String(number),
    title: { type: 'plain_text', text: `Merge #${number}`.slice(0, 24) },
    submit: { type: 'plain_text', text: 'Merge' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'into',
        label: { type: 'plain_text', text: `Merge #${number} into ticket number` },
        hint: { type: 'plain_text', text: `#${number} is closed and its messages move to that ticket, where the customer's next messages land too.` },
        element: { type: 'plain_text_input', action_id: 'into', placeholder: { type: 'plain_text', text: 'e.g. 42' } },
      },
    ],
  };
}

/** An ephemeral answer to the person who clicked, through the click's response_url. */
async function answer(respond: RespondFn, logger: Logger, reply: { text: string; replace_original: boolean }): Promise<void> {
  try {
    await respond({ response_type: 'ephemeral', ...reply });
  } catch (error) {
    logger.warn({ err: error }, 'could not answer a Slack action');
  }
}
