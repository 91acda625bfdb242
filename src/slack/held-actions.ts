import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { Logger } from '../log.ts';
import type { HeldChoice, Tickets } from '../tickets/index.ts';
import { HELD_ACTIONS, heldOutcomeLine } from './held-prompt.ts';
import { errorLine } from './responder.ts';

const CHOICES: Record<string, HeldChoice> = { [HELD_ACTIONS.send]: 'send', [HELD_ACTIONS.note]: 'note', [HELD_ACTIONS.discard]: 'discard' };

/**
 * The three buttons of a held reply's question: the choice is made once (a double click or a
 * retried interaction finds it made), and the question is replaced by what became of the reply.
 */
export function listenForHeldChoices(app: App, deps: { tickets: Tickets; logger: Logger }): void {
  for (const [actionId, choice] of Object.entries(CHOICES)) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const id = Number(action.value);
      if (!Number.isInteger(id)) return;
      let text: string;
      let replace = true;
      try {
        text = heldOutcomeLine(await deps.tickets.decideHeld(id, choice, body.user.id));
      } catch (error) {
        // The question stays, so another choice can still be made.
        text = errorLine(error, deps.logger, { action: actionId, held: id });
        replace = false;
      }
      try {
        await respond({ response_type: 'ephemeral', replace_original: replace, text });
      } catch (error) {
        deps.logger.warn({ err: error }, 'could not answer a held reply choice');
      }
    });
  }
}
