import type { types } from '@slack/bolt';
import { TIMEOUT_ACTOR, type HeldDecision, type HeldReply } from '../tickets/index.ts';

/** The buttons under a held reply's question; each carries the held reply's id as its value. */
export const HELD_ACTIONS = {
  send: 'held.send',
  note: 'held.note',
  discard: 'held.discard',
} as const;

/** The question the author of a held reply sees, only them, in the thread. */
export function heldQuestion(held: Pick<HeldReply, 'id' | 'number' | 'reason' | 'otherAgent'>): { text: string; blocks: types.KnownBlock[] } {
  const whose = held.reason === 'assigned' ? `#${held.number} is <@${held.otherAgent}>'s` : `<@${held.otherAgent}> replied to #${held.number} less than a minute ago`;
  const text = `${whose} — send anyway / keep as a note / discard`;
  const value = String(held.id);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `:raised_hand: ${whose}. Your reply is held: the customer gets nothing until you choose (in 10 minutes it is kept as a note).` } },
      {
        type: 'actions',
        block_id: `held:${held.id}`,
        elements: [
          { type: 'button', action_id: HELD_ACTIONS.send, text: { type: 'plain_text', text: 'Send anyway' }, style: 'primary', value },
          { type: 'button', action_id: HELD_ACTIONS.note, text: { type: 'plain_text', text: 'Keep as a note' }, value },
          { type: 'button', action_id: HELD_ACTIONS.discard, text: { type: 'plain_text', text: 'Discard' }, style: 'danger', value },
        ],
      },
    ],
  };
}

/**
 * What the question becomes once answered: what happened to the reply. The same line however
 * often it is asked (a double click, a click after the timeout), so the last answer shown is right.
 */
export function heldOutcomeLine(decision: HeldDecision): string {
  const { held, outcome } = decision;
  const n = `#${held.number}`;
  if (outcome === 'sent') return `:outbox_tray: Sent to the customer of ${n}.`;
  if (outcome === 'discarded') return `:wastebasket: Discarded: your reply to ${n} was not sent and not kept.`;
  if (held.decidedBy === TIMEOUT_ACTOR) return `:memo: Not answered within 10 minutes: your reply was kept as an internal note on ${n}; the customer did not get it.`;
  return `:memo: Kept as an internal note on ${n}; the customer does not see it.`;
}
