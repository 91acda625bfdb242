import type { EnvReader } from '../shared/env.ts';

/** The knowledge base: where its Markdown files are, and the language its search stems words in. */
export interface KnowledgeConfig {
  /** KB_DIR: a folder of Markdown files, imported and re-read on change; undefined: none. */
  dir: string | undefined;
  /** KB_LANGUAGE: a Postgres text search configuration. */
  language: string;
}

/**
 * The text search configurations Postgres 15 ships (`\dF`): a name outside them would fail in
 * every search, so it is refused at start-up instead. https://www.postgresql.org/docs/15/textsearch-intro.html#TEXTSEARCH-INTRO-CONFIGURATIONS
 */
export const KB_LANGUAGES = [
  'simple', 'arabic', 'armenian', 'basque', 'catalan', 'danish', 'dutch', 'english', 'finnish', 'french', 'german', 'greek', 'hindi',
  'hungarian', 'indonesian', 'irish', 'italian', 'lithuanian', 'nepali', 'norwegian', 'portuguese', 'romanian', 'russian', 'serbian',
  'spanish', 'swedish', 'tamil', 'turkish', 'yiddish',
] as const;

/** Reads KB_DIR and KB_LANGUAGE (english by default). */
export function parseKnowledgeConfig(env: EnvReader): KnowledgeConfig {
  return { dir: env.text('KB_DIR'), language: env.oneOf('KB_LANGUAGE', KB_LANGUAGES, 'english') };
}
