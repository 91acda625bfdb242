/**
 * Block Kit interactive elements as the Slack client uses them: find the element a person
 * clicks (by its action_id, in a message or a view), and write the `actions[]` entry or the
 * `state.values` entry Slack reports for it. Only what is on screen can be clicked: a test
 * that clicks a missing button fails, as an agent would.
 * https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 */
import type { Json } from './types.ts';

export interface FoundElement {
  blockId: string;
  element: Json;
}

/** The element with `actionId` in `blocks` (section accessories, actions and input blocks). */
export function findElement(blocks: unknown[] | undefined, actionId: string): FoundElement | undefined {
  for (const [i, raw] of (blocks ?? []).entries()) {
    const block = raw as Json;
    const blockId = typeof block.block_id === 'string' ? block.block_id : `block-${i}`;
    const candidates = [block.accessory, block.element, ...((block.elements as unknown[] | undefined) ?? [])];
    for (const candidate of candidates) {
      const element = candidate as Json | undefined;
      if (element && element.action_id === actionId) return { blockId, element };
    }
  }
  return undefined;
}

/** All input blocks' elements, keyed by action_id, for a view submission. */
export function inputElements(blocks: unknown[]): Map<string, FoundElement> {
  const found = new Map<string, FoundElement>();
  for (const [i, raw] of blocks.entries()) {
    const block = raw as Json;
    const element = block.element as Json | undefined;
    if (block.type === 'input' && element && typeof element.action_id === 'string') {
      found.set(element.action_id, { blockId: typeof block.block_id === 'string' ? block.block_id : `block-${i}`, element });
    }
  }
  return found;
}

/**
 * The `actions[]` entry for using `element` (clicking a button, choosing `value`). `loaded`:
 * the options the app last loaded for an external_select, the only ones a person can pick.
 */
export function actionEntry(found: FoundElement, value: string | undefined, actionTs: string, loaded?: Json[]): Json {
  const { element, blockId } = found;
  const base = { type: element.type, action_id: element.action_id, block_id: blockId, action_ts: actionTs };
  if (element.type === 'button') {
    return { ...base, text: element.text, ...(element.value !== undefined ? { value: element.value } : {}), ...(element.style ? { style: element.style } : {}) };
  }
  return { ...base, ...selection(element, value, loaded) };
}

/** The `state.values[block_id][action_id]` entry for an input holding `value`. */
export function stateEntry(element: Json, value: string | string[] | undefined, loaded?: Json[]): Json {
  if (element.type === 'plain_text_input' || element.type === 'number_input' || element.type === 'email_text_input' || element.type === 'url_text_input') {
    // Untouched, a field submits its initial_value; emptied, null.
    if (value === undefined) return { type: element.type, value: typeof element.initial_value === 'string' ? element.initial_value : null };
    return { type: element.type, value: value === '' ? null : value };
  }
  return { type: element.type, ...selection(element, value, loaded) };
}

/** What a selection element reports for `value`; throws when the element has no such option. */
function selection(element: Json, value: string | string[] | undefined, loaded: Json[] = []): Json {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  switch (element.type) {
    case 'external_select': {
      // Its options are the app's answer to the last block_suggestion, or the one it set initially.
      const offered = { ...element, options: [...loaded, ...(element.initial_option ? [element.initial_option as Json] : [])] };
      return { selected_option: values[0] === undefined ? null : option(offered, values[0]) };
    }
    case 'static_select':
    case 'overflow':
    case 'radio_buttons':
      return { selected_option: values[0] === undefined ? null : option(element, values[0]) };
    case 'multi_static_select':
    case 'checkboxes':
      return { selected_options: values.map((v) => option(element, v)) };
    case 'users_select':
      return { selected_user: values[0] ?? null };
    case 'multi_users_select':
      return { selected_users: values };
    case 'conversations_select':
      return { selected_conversation: values[0] ?? null };
    case 'channels_select':
      return { selected_channel: values[0] ?? null };
    case 'datepicker':
      return { selected_date: values[0] ?? null };
    case 'timepicker':
      return { selected_time: values[0] ?? null };
    default:
      return { value: values[0] ?? null };
  }
}

function option(element: Json, value: string): Json {
  const groups = (element.option_groups as { options: Json[] }[] | undefined) ?? [];
  const options = [...((element.options as Json[] | undefined) ?? []), ...groups.flatMap((g) => g.options)];
  const found = options.find((o) => o.value === value);
  if (!found) throw new Error(`slack emulator: ${String(element.action_id)} has no option ${value}`);
  return found;
}
