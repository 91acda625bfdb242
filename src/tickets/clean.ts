/**
 * Customer input made safe to store, in one place for every inbound event. Postgres `text`
 * (and `jsonb`) cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 encoding: either
 * fails the insert, and a webhook answered 5xx is delivered again by its platform, forever.
 */
import { ValidationError } from '../errors.ts';

// C0 controls but TAB, LF and CR: U+0000 cannot be stored, and the rest mean nothing in a chat
// message (they show as nothing or as boxes in Slack, and ESC sequences would reach terminals
// through our log lines), so they are removed rather than kept for the one that breaks.
const CONTROLS = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f';
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
const UNSAFE = new RegExp(`[${CONTROLS}]|${LONE_SURROGATE}`, 'g');
const UNSAFE_ANY = new RegExp(`[${CONTROLS}]|${LONE_SURROGATE}`);
const UNSTORABLE = new RegExp(`\\u0000|${LONE_SURROGATE}`);

/** Fields an event cannot do without, by its `kind`, with the name a refusal gives them. */
const REQUIRED: Record<string, readonly (readonly [key: string, field: string])[]> = {
  message: [['externalId', 'id'], ['from', 'from'], ['conversation', 'conversation']],
  status: [['externalId', 'id']],
  edit: [['externalId', 'id']],
  deletion: [['externalId', 'id']],
};

/** The string, storable: C0 controls but \t \n \r removed, lone surrogates replaced with U+FFFD. */
export function cleanText(text: string): string {
  if (!UNSAFE_ANY.test(text)) return text;
  return text.replace(UNSAFE, (match) => (match.charCodeAt(0) < 0x20 ? '' : '\ufffd'));
}

/** Whether Postgres can store the string at all: no U+0000, no lone surrogate (other controls can be). */
export function isStorable(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/**
 * The inbound event with every string in it cleaned (`cleanText`): objects and arrays are
 * walked, bytes and dates kept, and the event itself returned when nothing needed cleaning.
 * Throws ValidationError when a required field (the platform id, the sender, the conversation)
 * held nothing but removed characters; one that was empty already is left to the caller's check.
 */
export function cleanInbound<T>(event: T): T {
  const cleaned = clean(event) as T;
  if (cleaned === event || typeof event !== 'object' || event === null) return cleaned;
  const before = event as Record<string, unknown>;
  const after = cleaned as Record<string, unknown>;
  for (const [key, field] of REQUIRED[String(before.kind)] ?? []) {
    if (before[key] !== '' && after[key] === '') throw new ValidationError(`${field} holds nothing but control characters`, field);
  }
  return cleaned;
}

function clean(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) {
    const items = value.map(clean);
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date || ArrayBuffer.isView(value)) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, inner]) => {
    const cleaned = clean(inner);
    if (cleaned !== inner) changed = true;
    return [key, cleaned] as const;
  });
  return changed ? Object.fromEntries(entries) : value;
}
