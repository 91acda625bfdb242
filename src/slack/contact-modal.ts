import type { types } from '@slack/bolt';
import type { ContactPatch, ContactView } from '../tickets/index.ts';

export const CONTACT_VIEW = 'ticket.contact';

/** What the contact modal remembers between opening and submission. */
interface ContactMetadata {
  number: number;
  contactId: number;
}

/**
 * The card's *Contact…* modal: the contact's tags and custom fields as text to edit, the same
 * attributes `/ticket contact N vip plan=gold` sets. https://docs.slack.dev/surfaces/modals
 */
export function contactModal(number: number, contact: ContactView): types.ModalView {
  const who = contact.name ?? contact.identities[0]?.address ?? `contact ${contact.id}`;
  const metadata: ContactMetadata = { number, contactId: contact.id };
  const tags = contact.tags.join(' ');
  const custom = Object.entries(contact.custom)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n');
  return {
    type: 'modal',
    callback_id: CONTACT_VIEW,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: `Contact of #${number}`.slice(0, 24) },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'context', elements: [{ type: 'plain_text', text: `${who}`.slice(0, 2000) }] },
      {
        type: 'input',
        block_id: 'tags',
        optional: true,
        label: { type: 'plain_text', text: 'Tags' },
        hint: { type: 'plain_text', text: 'Separated by spaces or commas, like: vip beta' },
        element: { type: 'plain_text_input', action_id: 'tags', ...(tags ? { initial_value: tags } : {}) },
      },
      {
        type: 'input',
        block_id: 'custom',
        optional: true,
        label: { type: 'plain_text', text: 'Custom fields' },
        hint: { type: 'plain_text', text: 'One field=value a line, like: plan=gold. Remove a line to remove the field.' },
        element: { type: 'plain_text_input', action_id: 'custom', multiline: true, ...(custom ? { initial_value: custom } : {}) },
      },
    ],
  };
}

export function readContactMetadata(raw: string): ContactMetadata | undefined {
  try {
    const parsed = JSON.parse(raw) as Partial<ContactMetadata>;
    return Number.isInteger(parsed.number) && Number.isInteger(parsed.contactId) ? { number: parsed.number!, contactId: parsed.contactId! } : undefined;
  } catch {
    return undefined;
  }
}

export type ContactForm = { ok: true; patch: ContactPatch } | { ok: false; errors: Record<string, string> };

/**
 * The submitted form as a change to the contact, against what it had: tags are the new set,
 * custom fields the new lines (a line gone removes its field; a value left as shown keeps its
 * type, a number or a yes/no set over the API).
 */
export function readContactForm(tagsText: string | null | undefined, customText: string | null | undefined, before: ContactView): ContactForm {
  const tags = (tagsText ?? '').split(/[\s,]+/).filter((t) => t !== '');
  const custom: NonNullable<ContactPatch['custom']> = {};
  const seen = new Set<string>();
  const lines = (customText ?? '').split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const match = /^\s*([^=\s]+)\s*=(.*)$/.exec(line);
    if (!match) return { ok: false, errors: { custom: `Line ${i + 1} is not field=value.` } };
    const field = match[1]!;
    const value = match[2]!.trim();
    seen.add(field);
    if (value === '') custom[field] = null;
    else if (!(field in before.custom) || String(before.custom[field]) !== value) custom[field] = value;
  }
  for (const field of Object.keys(before.custom)) if (!seen.has(field)) custom[field] = null;
  return { ok: true, patch: { tags, custom } };
}
