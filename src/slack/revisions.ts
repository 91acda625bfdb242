import { clip, escapeMrkdwn, quote } from './text.ts';

/** What became of a customer message after it was sent: its latest edit, its deletion. */
export interface Revisions {
  editedText?: string | null;
  deletedAt?: Date | null;
}

export const EDITED_MARK = '_(edited)_';
export const DELETED_MARK = ':wastebasket: _deleted by the customer_';

/**
 * A customer message as agents read it in Slack. Untouched, its text; edited, the new text
 * marked "(edited)" over the earlier text quoted; deleted, marked so over the last text
 * quoted: whatever the customer changed, agents still see what was said. `quoted` quotes the
 * current text too (the card quotes what the customer wrote); `max` clips each text.
 */
export function customerLine(text: string, revisions: Revisions = {}, options: { quoted?: boolean; max?: number } = {}): string {
  const shown = (said: string) => escapeMrkdwn(options.max === undefined ? said : clip(said, options.max));
  const current = (said: string) => (options.quoted ? quote(said) : said);
  const edited = revisions.editedText ?? null;
  if (revisions.deletedAt) return `${DELETED_MARK}\n${quote(shown(edited ?? text))}`;
  if (edited !== null) return `${current(shown(edited))} ${EDITED_MARK}\n${quote(`_earlier:_ ${shown(text)}`)}`;
  return current(shown(text));
}

/** Whether anything became of it: a revised message needs more room to show. */
export function isRevised(revisions: Revisions | undefined): boolean {
  return Boolean(revisions?.deletedAt) || (revisions?.editedText ?? null) !== null;
}
