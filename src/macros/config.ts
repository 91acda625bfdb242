import { z } from 'zod';
import { strictMapping } from '../shared/schema.ts';
import { PRIORITIES } from '../tickets/lifecycle.ts';
import { macroTextProblem } from './placeholders.ts';
import { MACRO_NAME, MACRO_STATUSES, type MacroDefinition } from './types.ts';

/**
 * switchboard.yml `macros:`: a list of canned replies, each with a name, its text and what it
 * also sets. Problems are named by path (`macros[1].status: must be one of pending, resolved`).
 */
export const macrosSchema = z
  .array(
    strictMapping({
      name: z.string({ error: 'must be a name' }).regex(MACRO_NAME, { error: 'must be a short name: lower-case letters, digits, - and _ (up to 40)' }),
      text: z
        .string({ error: 'must be the reply\'s text' })
        .superRefine((text, ctx) => {
          const problem = macroTextProblem(text);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      status: z.enum(MACRO_STATUSES, { error: `must be one of ${MACRO_STATUSES.join(', ')}` }).optional(),
      priority: z.enum(PRIORITIES, { error: `must be one of ${PRIORITIES.join(', ')}` }).optional(),
      tags: z.array(z.string({ error: 'must be a tag' }).trim().min(1, { error: 'must be a tag' }), { error: 'must be a list' }).optional(),
    }),
    { error: 'must be a list of macros' },
  )
  .superRefine((macros, ctx) => {
    const seen = new Set<string>();
    macros.forEach((macro, i) => {
      if (seen.has(macro.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `another macro is already named ${macro.name}` });
      seen.add(macro.name);
    });
  });

/** The file's macros as the store keeps them. */
export function macroDefinitions(parsed: z.infer<typeof macrosSchema>): MacroDefinition[] {
  return parsed.map((m) => ({ name: m.name, text: m.text, status: m.status ?? null, priority: m.priority ?? null, tags: (m.tags ?? []).map((t) => t.replace(/^#/, '').toLowerCase()) }));
}
