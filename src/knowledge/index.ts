import type { Db, Sql } from '../db/index.ts';
import { ValidationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { cleanTags } from '../tickets/index.ts';
import type { KnowledgeConfig } from './config.ts';
import { watchKnowledgeDir } from './import.ts';
import { findArticle, insertArticle, searchArticles, setLanguage, type Article, type ArticleHit } from './kb-sql.ts';

export { KB_LANGUAGES, parseKnowledgeConfig, type KnowledgeConfig } from './config.ts';
export { importKnowledgeDir } from './import.ts';
export { parseArticleFile } from './markdown.ts';
export type { Article, ArticleHit } from './kb-sql.ts';

/** How many articles a new ticket's thread suggests. */
export const SUGGESTIONS = 3;
const TITLE_CHARS = 200;

/**
 * The knowledge base (issue 18): Markdown articles in Postgres, imported from KB_DIR and saved
 * from Slack, found by full-text search in KB_LANGUAGE (title words over body words).
 */
export function createKnowledgeBase(deps: { sql: Sql; config: KnowledgeConfig; logger: Logger }) {
  const { sql, config, logger } = deps;
  let watcher: { stop(): void; reimport(): Promise<void> } | undefined;
  return {
    language: config.language,
    /** What an agent searched for: every word must match, else any of them. */
    async search(words: string, limit = 5): Promise<ArticleHit[]> {
      const all = await searchArticles(sql, config.language, words, 'all', limit);
      return all.length ? all : searchArticles(sql, config.language, words, 'any', limit);
    },
    /** The articles a customer's message may be answered by, best first (inside a change's transaction). */
    suggest: (db: Db, text: string): Promise<ArticleHit[]> => searchArticles(db, config.language, text, 'any', SUGGESTIONS),
    get: (id: number): Promise<Article | undefined> => findArticle(sql, id),
    /** An article an agent saved from Slack, checked: a ValidationError names the field. */
    async save(input: { title: string; body: string; tags?: readonly string[] }, by: string): Promise<Article> {
      const title = input.title.trim();
      if (!title) throw new ValidationError('the title is empty', 'title');
      if (title.length > TITLE_CHARS) throw new ValidationError(`the title is longer than ${TITLE_CHARS} characters`, 'title');
      if (!input.body.trim()) throw new ValidationError('the article is empty', 'body');
      const given = (input.tags ?? []).map((t) => t.trim()).filter(Boolean);
      return insertArticle(sql, { title, body: input.body.trim(), tags: given.length ? cleanTags(given) : [] }, config.language, by);
    },
    /** Indexes every article in KB_LANGUAGE, then imports KB_DIR and watches it. */
    async start(): Promise<void> {
      const reindexed = await setLanguage(sql, config.language);
      if (reindexed) logger.info({ language: config.language, articles: reindexed }, 'knowledge base: re-indexed in KB_LANGUAGE');
      if (config.dir) {
        watcher = await watchKnowledgeDir({ sql, dir: config.dir, language: config.language, logger });
        logger.info({ dir: config.dir, language: config.language }, 'knowledge base: importing KB_DIR');
      }
    },
    /** Imports KB_DIR now (tests; the watcher does it on change). */
    reimport: async (): Promise<void> => watcher?.reimport(),
    stop(): void {
      watcher?.stop();
    },
  };
}

export type KnowledgeBase = ReturnType<typeof createKnowledgeBase>;
