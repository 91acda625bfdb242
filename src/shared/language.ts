/**
 * A customer's language as platforms report it (Telegram's `language_code` such as `en` or
 * `pt-br`, an email's `Content-Language: de-AT, en`), normalised to one lower-case BCP 47 tag.
 */

const TAG = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/;

/** The first tag of `value`, lower-cased with `-` separators; undefined when it is none. */
export function normaliseLanguage(value: string | null | undefined): string | undefined {
  const first = value?.split(',')[0]?.split(';')[0]?.trim().replace(/_/g, '-').toLowerCase();
  return first && first !== '*' && TAG.test(first) && first.length <= 35 ? first : undefined;
}

/** `pt-br`, then `pt`: the tags to look a language up by, most specific first. */
export function languageFallbacks(tag: string | null | undefined): string[] {
  if (!tag) return [];
  const parts = tag.split('-');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('-'));
}
