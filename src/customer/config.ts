/**
 * The `customer:` section of switchboard.yml: what Switchboard says to customers by itself
 * (the acknowledgement, the status answer, the survey), per channel and language. Each part is
 * on when its section is there; a channel set to `off` is left out. Problems are named by their
 * path in the file, like the rest of it (src/desk-config.ts).
 */
import { z } from 'zod';
import { strictMapping } from '../shared/schema.ts';
import { CHANNEL_NAMES } from '../channels/contract.ts';
import { normaliseLanguage } from '../shared/language.ts';
import { PLACEHOLDERS } from './templates.ts';

/** How the survey is answered on a channel: its own buttons, a reply with the number, signed links. */
export const CSAT_ANSWERS = ['buttons', 'reply', 'links'] as const;
export type CsatAnswer = (typeof CSAT_ANSWERS)[number];

type Part = keyof typeof PLACEHOLDERS;

/** Templates by language, each a mapping of the part's keys (every key optional: it falls back). */
export type Templates<P extends Part> = Record<string, Partial<Record<keyof (typeof PLACEHOLDERS)[P], string>>>;

/** Per channel: off, or its own templates (and, for the survey, how it is answered). */
export type ChannelSetting<P extends Part> = 'off' | { templates: Templates<P>; answer?: CsatAnswer };

export interface PartSettings<P extends Part> {
  templates: Templates<P>;
  channels: Record<string, ChannelSetting<P>>;
}

/** The parsed `customer:` section. A part left out is off. */
export interface CustomerSettings {
  /** The language templates fall back to when the customer's has none (then built-in English). */
  language: string;
  acknowledgement?: PartSettings<'acknowledgement'>;
  status?: PartSettings<'status'> & { words: Record<string, string[]> };
  csat?: PartSettings<'csat'>;
}

const strict = strictMapping;

const language = z.string({ error: 'must be a language tag (en, de, pt-br)' }).refine((tag) => normaliseLanguage(tag) === tag.toLowerCase(), { error: 'must be a language tag (en, de, pt-br)' });

/** One template: text whose `{{placeholders}}` are all ones this key offers. */
function template(part: Part, key: string) {
  const known: readonly string[] = (PLACEHOLDERS[part] as Record<string, readonly string[]>)[key]!;
  return z
    .string({ error: 'must be text' })
    .trim()
    .min(1, { error: 'must be text' })
    .superRefine((text, ctx) => {
      for (const [, name] of text.matchAll(/\{\{\s*([^}\s]*)\s*\}\}/g)) {
        if (!known.includes(name!)) {
          ctx.addIssue({ code: 'custom', message: `{{${name}}} is not a placeholder here (${known.length ? `known: ${known.map((k) => `{{${k}}}`).join(', ')}` : 'none is'})` });
        }
      }
    });
}

function templatesOf(part: Part) {
  const keys = Object.keys(PLACEHOLDERS[part]);
  const set = strict(Object.fromEntries(keys.map((key) => [key, template(part, key).optional()])));
  return z.record(language, set, { error: 'must be a mapping of language: templates' }).default({});
}

function channelsOf(part: Part, extra: z.ZodRawShape = {}) {
  const own = strict({ templates: templatesOf(part), ...extra });
  // By hand rather than a union, so a channel's own problems are named by their path.
  const setting = z.unknown().transform((value, ctx): 'off' | z.output<typeof own> => {
    if (value === 'off' || value === false) return 'off';
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be off, or a mapping of its own templates' });
      return z.NEVER;
    }
    const parsed = own.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });
  return z
    .record(z.string(), setting, { error: 'must be a mapping of channel: settings' })
    .superRefine(
      (channels, ctx) => {
        for (const name of Object.keys(channels ?? {})) {
          if (!(CHANNEL_NAMES as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', path: [name], message: `must be a channel: ${CHANNEL_NAMES.join(', ')}` });
        }
      },
      // Named beside the problems of the channels' own settings, not only once those are fixed.
      { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
    )
    .default({});
}

const words = z.record(language, z.array(z.string({ error: 'must be a word' }).trim().min(1, { error: 'must be a word' }), { error: 'must be a list of words' }), {
  error: 'must be a mapping of language: [words]',
});

/** The `customer:` section's schema (src/desk-config.ts names each problem by its path). */
export const customerSchema = strict({
  language: language.default('en'),
  acknowledgement: strict({ templates: templatesOf('acknowledgement'), channels: channelsOf('acknowledgement') }).optional(),
  status: strict({ words: words.optional(), templates: templatesOf('status'), channels: channelsOf('status') }).optional(),
  csat: strict({
    templates: templatesOf('csat'),
    channels: channelsOf('csat', { answer: z.enum(CSAT_ANSWERS, { error: `must be one of ${CSAT_ANSWERS.join(', ')}` }).optional() }),
  }).optional(),
});

/** The settings the parsed section describes, languages lower-cased, words as written. */
export function customerSettings(parsed: z.output<typeof customerSchema>): CustomerSettings {
  const lower = <T>(map: Record<string, T>) => Object.fromEntries(Object.entries(map).map(([tag, value]) => [tag.toLowerCase(), value]));
  const part = <P extends Part>(value: { templates: Templates<P>; channels: Record<string, unknown> } | undefined): PartSettings<P> | undefined => {
    if (!value) return undefined;
    const channels = Object.fromEntries(
      Object.entries(value.channels).map(([name, setting]) => [name, setting === 'off' ? 'off' : { ...(setting as object), templates: lower((setting as { templates: Templates<P> }).templates) }]),
    ) as Record<string, ChannelSetting<P>>;
    return { templates: lower(value.templates), channels };
  };
  const status = part<'status'>(parsed.status as never);
  return {
    language: parsed.language.toLowerCase(),
    ...(parsed.acknowledgement ? { acknowledgement: part<'acknowledgement'>(parsed.acknowledgement as never)! } : {}),
    ...(status ? { status: { ...status, words: lower(parsed.status!.words ?? { en: ['status'] }) } } : {}),
    ...(parsed.csat ? { csat: part<'csat'>(parsed.csat as never)! } : {}),
  };
}

