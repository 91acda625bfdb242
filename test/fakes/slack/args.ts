/**
 * Reading Web API arguments. Form-encoded calls carry every value as a string and nested
 * values (`blocks`, `view`, `files`) as JSON text, which is how the WebClient sends them
 * (its serializeBody JSON-encodes anything that is not a string, number or boolean);
 * JSON calls carry real values. These helpers accept both.
 */
import type { Json } from './types.ts';

export type Answer = Json & { ok: boolean };

export function fail(error: string, extra: Json = {}): Answer {
  return { ok: false, error, ...extra };
}

export function str(args: Json, name: string): string | undefined {
  const value = args[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function bool(args: Json, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** A JSON-valued argument: parsed from text, or taken as is. `invalid` when text is not JSON. */
export function jsonArg(args: Json, name: string): { value?: unknown; invalid?: true } {
  const value = args[name];
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') return { value };
  try {
    return { value: JSON.parse(value) };
  } catch {
    return { invalid: true };
  }
}

/**
 * Block Kit checks Slack enforces on messages: an array of at most 50 blocks, each with a
 * `type`, section text at most 3000 characters, header text at most 150.
 * https://docs.slack.dev/reference/block-kit/blocks
 */
export function blocksProblem(blocks: unknown, max = 50): string | undefined {
  if (!Array.isArray(blocks)) return 'must be an array';
  if (blocks.length > max) return `no more than ${max} items allowed`;
  for (const [i, block] of blocks.entries()) {
    if (typeof block !== 'object' || block === null || typeof (block as Json).type !== 'string') {
      return `missing required field: type [json-pointer:/blocks/${i}]`;
    }
    const b = block as Json;
    const text = (b.text as Json | undefined)?.text;
    if (b.type === 'section' && typeof text === 'string' && text.length > 3000) {
      return `must be less than 3001 characters [json-pointer:/blocks/${i}/text/text]`;
    }
    if (b.type === 'header' && typeof text === 'string' && text.length > 150) {
      return `must be less than 151 characters [json-pointer:/blocks/${i}/text/text]`;
    }
    // Image blocks: alt text, and the image by URL or as a Slack file, one of the two.
    // https://docs.slack.dev/reference/block-kit/blocks/image-block
    if (b.type === 'image') {
      if (typeof b.alt_text !== 'string' || b.alt_text.length === 0) return `missing required field: alt_text [json-pointer:/blocks/${i}]`;
      if (b.alt_text.length > 2000) return `must be less than 2001 characters [json-pointer:/blocks/${i}/alt_text]`;
      const file = b.slack_file as Json | undefined;
      const byFile = typeof file === 'object' && file !== null && (typeof file.id === 'string' || typeof file.url === 'string');
      if ((typeof b.image_url === 'string') === byFile) return `must provide exactly one of image_url or slack_file [json-pointer:/blocks/${i}]`;
    }
  }
  return undefined;
}

/** Parses and checks `blocks`: the blocks, or the error Slack answers. */
export function readBlocks(args: Json, max = 50): { blocks?: unknown[]; error?: Answer } {
  const parsed = jsonArg(args, 'blocks');
  if (parsed.invalid) return { error: fail('invalid_blocks_format') };
  if (parsed.value === undefined) return {};
  const problem = blocksProblem(parsed.value, max);
  if (problem) {
    return { error: fail('invalid_blocks', { errors: [problem], response_metadata: { messages: [`[ERROR] ${problem}`] } }) };
  }
  return { blocks: parsed.value as unknown[] };
}
