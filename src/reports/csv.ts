/**
 * CSV as RFC 4180 has it (comma-separated, CRLF line ends, a field with a comma, quote or line
 * break enclosed in quotes and its quotes doubled), and safe to open in a spreadsheet: a text
 * cell that starts like a formula (= + - @, or a tab or carriage return) is prefixed with `'`,
 * so Excel, LibreOffice and Google Sheets show it as text instead of running it (OWASP "CSV
 * injection"). Numbers we compute are written as numbers, never prefixed.
 * https://www.rfc-editor.org/rfc/rfc4180 · https://owasp.org/www-community/attacks/CSV_Injection
 */

export type CsvValue = string | number | boolean | Date | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One field, escaped. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, ending in CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
