/**
 * The message shortcuts slack-manifest.yml declares, by callback id. Slack runs no slash
 * command inside a thread, so these are the way in from one.
 * https://docs.slack.dev/interactivity/implementing-shortcuts#messages
 */
export const SHORTCUTS = {
  /** "Reply with macro": the reply modal for the ticket of the thread. */
  macro: 'ticket.macro',
  /** "Save as article": a message's text as a new knowledge base article. */
  saveArticle: 'kb.save',
} as const;

export const SHORTCUT_IDS: ReadonlySet<string> = new Set(Object.values(SHORTCUTS));

/**
 * The external_select menus whose options Switchboard loads (block_suggestion requests to the
 * manifest's options load URL), by action id.
 */
export const OPTION_LOADS: ReadonlySet<string> = new Set(['macro.pick']);
