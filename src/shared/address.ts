import { parsePhoneNumberWithError } from 'libphonenumber-js';

/**
 * Identity kinds: SMS and both WhatsApp channels share `phone`, so one number is one contact.
 * `whatsapp-lid` is a WhatsApp privacy id (`…@lid`), for a sender whose number WhatsApp hides.
 */
export const IDENTITY_KINDS = ['phone', 'email', 'telegram', 'discord', 'api', 'whatsapp-lid'] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

/**
 * Normalises a phone number to E.164. Accepts what the platforms send (`+15550001111`,
 * Twilio's `whatsapp:+15550001111`, whatsapp-web.js's `15550001111@c.us`) and what people
 * type (`+1 (555) 000-1111`). Numbers without a country code need `defaultCountry`.
 * Returns null when the text is not a phone number.
 */
export function normalisePhone(input: string, defaultCountry?: string): string | null {
  let text = input.trim();
  text = text.replace(/^whatsapp:/i, '').replace(/@c\.us$/i, '');
  if (/^\d{8,15}$/.test(text) && !defaultCountry) text = `+${text}`;
  try {
    // Fictional and reserved ranges (555 numbers, test numbers) are still addresses, so
    // validity is not required: parsing into country code + national number is enough.
    const phone = parsePhoneNumberWithError(text, defaultCountry as never);
    return phone.number;
  } catch {
    return null;
  }
}

/** Lower-cases and trims an email address; returns null for anything without one `@`. */
export function normaliseEmail(input: string): string | null {
  const text = input.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+$/.test(text) ? text : null;
}

/**
 * Normalises a sender address for its identity kind (product.md §2): phone numbers to
 * E.164, email lower-cased, Telegram and Discord by numeric user id, the API channel as
 * given. Returns null when the address cannot be an address of that kind.
 */
export function normaliseAddress(kind: IdentityKind, input: string): string | null {
  switch (kind) {
    case 'phone':
      return normalisePhone(input);
    case 'email':
      return normaliseEmail(input);
    case 'telegram':
    case 'discord':
      return /^\d+$/.test(input.trim()) ? input.trim() : null;
    case 'whatsapp-lid': {
      const id = input.trim().replace(/@lid$/i, '');
      return /^\d{1,32}$/.test(id) ? id : null;
    }
    case 'api':
      return input.length > 0 && input.length <= 256 ? input : null;
  }
}
