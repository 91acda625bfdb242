/**
 * SMS segment counting, as carriers bill it and Twilio reports it in `num_segments`.
 * https://www.twilio.com/docs/glossary/what-sms-character-limit
 *
 * A text that fits the GSM-7 alphabet travels 7 bits a character: 160 in one SMS, or 153 a
 * segment once split (the User Data Header takes 7). One character outside it switches the
 * whole text to UCS-2: 70 UTF-16 units in one SMS, 67 a segment once split.
 */

// GSM 03.38 default alphabet (https://www.twilio.com/docs/glossary/what-is-gsm-7-character-encoding).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// The extension table: each is sent as ESC + character, so it costs two septets.
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Which encoding a text travels in: GSM-7 when every character is in the GSM alphabet. */
export function smsEncoding(text: string): SmsEncoding {
  for (const char of text) {
    if (!GSM_BASIC.has(char) && !GSM_EXTENSION.has(char)) return 'UCS-2';
  }
  return 'GSM-7';
}

/** How many SMS segments a text is billed as (0 for an empty text). */
export function smsSegments(text: string): number {
  const encoding = smsEncoding(text);
  // Cost of each character in units of the encoding: septets for GSM-7, UTF-16 code units
  // for UCS-2 (an emoji outside the BMP is a surrogate pair, two units).
  const costs = [...text].map((char) =>
    encoding === 'GSM-7' ? (GSM_EXTENSION.has(char) ? 2 : 1) : char.length,
  );
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  const [single, perSegment] = encoding === 'GSM-7' ? [160, 153] : [70, 67];
  if (total === 0) return 0;
  if (total <= single) return 1;
  // Phones never split an escape sequence or a surrogate pair across segments, so a
  // character that does not fit whole starts the next segment.
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > perSegment) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return segments;
}

/** The line an agent sees when an SMS reply costs more than one segment. */
export function smsReplyNotice(text: string): string | undefined {
  const segments = smsSegments(text);
  if (segments <= 1) return undefined;
  const notice = `This reply costs ${segments} SMS segments.`;
  if (smsEncoding(text) === 'GSM-7') return notice;
  const culprit = [...text].find((char) => !GSM_BASIC.has(char) && !GSM_EXTENSION.has(char));
  return `${notice} “${culprit}” is outside the GSM alphabet, so each segment carries 67 characters instead of 153.`;
}
