import type { types } from '@slack/bolt';
import { MACRO_STATUSES, PLACEHOLDERS, type Macro } from '../macros/index.ts';
import { PRIORITIES } from '../tickets/index.ts';
import { clip } from './text.ts';

/** Callback and action ids of the macro modals. */
export const MACRO_VIEWS = {
  /** "Reply with macro…": pick, preview, edit, send. */
  reply: 'ticket.macro.reply',
  /** `/ticket macro add NAME`: the text and what it sets. */
  save: 'ticket.macro.save',
  /** The picker in the reply modal: choosing one fills in the preview. */
  pick: 'macro.pick',
} as const;

// A menu shows at most 100 options. https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#external_select
const MAX_OPTIONS = 100;
// A plain_text_input's initial_value and a modal input hold at most 3,000 characters.
const MAX_TEXT = 3_000;

const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text });
/** Text cut to fit a field of at most `max` characters. */
const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const option = (value: string, text = value): types.PlainTextOption => ({ text: plain(cut(text, 75)), value });

/** What a macro also does, in a line: "sets pending · high priority · tags billing". */
export function macroEffects(macro: Pick<Macro, 'status' | 'priority' | 'tags'>): string {
  const parts = [
    ...(macro.status ? [`sets ${macro.status}`] : []),
    ...(macro.priority ? [`${macro.priority} priority`] : []),
    ...(macro.tags.length ? [`tags ${macro.tags.map((t) => `\`${t}\``).join(' ')}`] : []),
  ];
  return parts.join(' · ');
}

/**
 * The reply modal for ticket #number: a searchable picker of the macros and, once one is chosen, its text
 * filled in for this ticket, editable before sending. The text's block id carries the macro's
 * name: Slack keeps what was typed in an input whose block and action ids stay the same across
 * views.update, so choosing another macro must change the id for its text to show.
 * https://docs.slack.dev/surfaces/modals#updating_views
 */
export function macroReplyModal(number: number, macros: readonly Macro[], chosen?: { macro: Macro; text: string }): types.ModalView {
  // Its options are loaded as the agent types (macroOptions), so no list is too long for it.
  const picker: types.ExternalSelect = {
    type: 'external_select',
    action_id: MACRO_VIEWS.pick,
    placeholder: plain('Type to search the macros'),
    min_query_length: 0,
    ...(chosen ? { initial_option: option(chosen.macro.name) } : {}),
  };
  const blocks: types.KnownBlock[] = [
    { type: 'input', block_id: 'macro', dispatch_action: true, label: plain('Macro'), element: picker },
  ];
  if (chosen) {
    const effects = macroEffects(chosen.macro);
    blocks.push({
      type: 'input',
      block_id: `text:${chosen.macro.name}`,
      label: plain(`Reply to #${number} (edit before sending)`),
      element: { type: 'plain_text_input', action_id: 'text', multiline: true, initial_value: cut(chosen.text, MAX_TEXT), max_length: MAX_TEXT },
    });
    if (effects) blocks.push({ type: 'context', block_id: 'effects', elements: [{ type: 'mrkdwn', text: `Sending it also ${effects}.` }] });
  } else if (macros.length === 0) {
    blocks.push({ type: 'context', block_id: 'effects', elements: [{ type: 'mrkdwn', text: 'No macros yet: add one with `/ticket macro add NAME`.' }] });
  }
  return {
    type: 'modal',
    callback_id: MACRO_VIEWS.reply,
    private_metadata: String(number),
    title: plain(cut(`Reply to #${number}`, 24)),
    submit: plain('Send'),
    close: plain('Cancel'),
    blocks,
  };
}

/** The picker's options for what the agent typed: the macros whose name or text has it, names first. */
export function macroOptions(macros: readonly Macro[], typed: string): types.PlainTextOption[] {
  const query = typed.trim().toLowerCase();
  const named = macros.filter((m) => m.name.includes(query));
  const said = query ? macros.filter((m) => !m.name.includes(query) && m.text.toLowerCase().includes(query)) : [];
  return [...named, ...said].slice(0, MAX_OPTIONS).map((m) => option(m.name));
}

/** `/ticket macro add NAME`: the text (with its placeholders) and the optional status, priority and tags. */
export function macroSaveModal(name: string, existing?: Macro): types.ModalView {
  const select = (id: string, label: string, values: readonly string[], initial: string | null): types.InputBlock => ({
    type: 'input',
    block_id: id,
    optional: true,
    label: plain(label),
    element: {
      type: 'static_select',
      action_id: id,
      placeholder: plain('Leave as it is'),
      options: values.map((v) => option(v)),
      ...(initial ? { initial_option: option(initial) } : {}),
    },
  });
  return {
    type: 'modal',
    callback_id: MACRO_VIEWS.save,
    private_metadata: name,
    title: plain(cut(`Macro ${name}`, 24)),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: 'text',
        label: plain('Text sent to the customer'),
        element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: MAX_TEXT, ...(existing ? { initial_value: existing.text } : {}) },
      },
      { type: 'context', block_id: 'placeholders', elements: [{ type: 'mrkdwn', text: `Placeholders: ${PLACEHOLDERS.map((p) => `\`{{${p}}}\``).join(' ')}` }] },
      select('status', 'Then set the status', MACRO_STATUSES, existing?.status ?? null),
      select('priority', 'Then set the priority', PRIORITIES, existing?.priority ?? null),
      {
        type: 'input',
        block_id: 'tags',
        optional: true,
        label: plain('Then add tags (separated by spaces)'),
        element: { type: 'plain_text_input', action_id: 'tags', ...(existing?.tags.length ? { initial_value: existing.tags.join(' ') } : {}) },
      },
    ],
  };
}

/** `/ticket macro list`: each macro, what it also does, and the start of its text. */
export function macroListText(macros: readonly Macro[]): string {
  if (macros.length === 0) return 'No macros yet: add one with `/ticket macro add NAME`.';
  return [
    `*Macros* (${macros.length}):`,
    ...macros.map((m) => {
      const effects = macroEffects(m);
      return `• \`${m.name}\`${effects ? ` (${effects})` : ''}${m.source === 'config' ? ' · from switchboard.yml' : ''}: ${clip(m.text.replace(/\s+/g, ' '), 80)}`;
    }),
  ].join('\n');
}
