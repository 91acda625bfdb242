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

/** The problems `loadConfig` reports for `env`, as start-up would print them; none when it loads. */
export function configProblems(env: Readonly<Record<string, string>>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
