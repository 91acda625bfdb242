/**
 * A macro's placeholders: `{{customer.name}}`, `{{ticket.number}}`, `{{agent.name}}`, filled in
 * when it is used. Pure.
 */

export const PLACEHOLDERS = ['customer.name', 'ticket.number', 'agent.name'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Record<Placeholder, string>;

// Spaces inside the braces are allowed ({{ customer.name }}), as people type them.
const PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholders in `text` that are not ours, for a clear refusal when a macro is saved. */
export function unknownPlaceholders(text: string): string[] {
  const names = [...text.matchAll(PATTERN)].map((m) => m[1]!);
  return [...new Set(names.filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name)))];
}

/** `text` with each placeholder replaced by its value. */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(PATTERN, (whole, name: string) => ((PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder] : whole));
}

/** The problem with a macro's text, or undefined: empty, or a placeholder we do not fill. */
export function macroTextProblem(text: string): string | undefined {
  if (text.trim() === '') return 'the text is empty';
  const unknown = unknownPlaceholders(text);
  if (unknown.length) return `${unknown.map((n) => `{{${n}}}`).join(', ')} ${unknown.length > 1 ? 'are not placeholders' : 'is not a placeholder'}: use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`;
  return undefined;
}
