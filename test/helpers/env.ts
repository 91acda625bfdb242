import { loadConfig, SECRET_VARIABLES } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { EnvReader, type EnvProblem } from '../../src/shared/env.ts';

/**
 * Runs one part's parser over `env` through its own reader, as `loadConfig` would (secrets
 * known, so never quoted): what it returned, and the problems it recorded.
 */
export function parseEnv<T>(parse: (reader: EnvReader) => T, env: Readonly<Record<string, string | undefined>>): { value: T; problems: EnvProblem[] } {
  const reader = new EnvReader(env, SECRET_VARIABLES);
  const value = parse(reader);
  return { value, problems: reader.problems };
}

/** The problems `loadConfig` finds in `env` (none when it parses). */
export function configProblems(env: Record<string, string>): EnvProblem[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
