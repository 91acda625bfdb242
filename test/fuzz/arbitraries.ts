/**
 * Hostile values for the fuzzer: NUL bytes, lone surrogates, control characters, huge strings,
 * wrong types, and bytes that are not UTF-8 or not JSON or not a form.
 */
import fc from 'fast-check';

const SPECIAL = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', 'x\uDC00y', '\uDBFF\uDFFF', '\uFFFE', '\u202E', '\r\n', '\t',
  '%00', '%', '%E0%A4%A', '%uD800', '+', '&&==', '../../etc/passwd', "'; drop table messages; --", '<script>alert(1)</script>',
  '{{7*7}}', '${x}', 'null', 'true', '[]', '{}', '-0', '1e309', 'NaN', '\u0000'.repeat(50), '🙂'.repeat(40),
];

/** A string anyone could send: any code point (lone surrogates included), specials, or huge. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '\u0000', '\uD800', 'é', '🙂'), fc.integer({ min: 1_000, max: 120_000 })).map(([c, n]) => c.repeat(n)) },
);

/** A JSON value of any type, for a field that expects another. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(nastyString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.object({ maxDepth: 2, maxKeys: 3 }) },
);

/** `good` most of the time, else anything. */
export const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: junkValue });

/** A field that may be missing: `undefined` drops it from JSON and from forms. */
export const maybe = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(value, { nil: undefined, freq: 5 });

/** Bytes that are seldom UTF-8, JSON or a form. */
export const rawBytes: fc.Arbitrary<Uint8Array> = fc.uint8Array({ maxLength: 300 });

/** A body that is not the expected encoding at all: bytes, a bare string, truncated JSON, bad percent-encoding. */
export const garbageBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  rawBytes,
  nastyString,
  fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
  fc.constantFrom('{', '{"a":', '[1,2', '"\\ud800"', '{"id":"\\u0000"}', 'a=%zz&b=%', '=&=&&', 'payload=%7B', 'payload=', '\u0000\u0000'),
);

/** JSON text of a value, dropping undefined fields. */
export const json = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** A form body of string fields (non-string values are written as JSON, as a confused client would). */
export function form(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    params.append(key, typeof value === 'string' ? value : json(value));
  }
  return params.toString();
}
