import { z } from 'zod';

/**
 * A mapping of a configuration file that takes these fields and no others: an unknown one is
 * named with the ones it could have been (`unknown field colour (known: name, channel)`).
 */
export function strictMapping<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (known: ${Object.keys(shape).join(', ')})` : 'must be a mapping'),
  });
}
