import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { syncFileArticles, type ArticleFile } from './kb-sql.ts';
import { parseArticleFile } from './markdown.ts';

const MARKDOWN = /\.(md|markdown)$/i;
// Editors write a file in several steps (truncate, write, rename): one read after they settle.
const SETTLE_MS = 200;
// fs.watch misses changes on some file systems (network mounts, some containers): a full
// re-read this often catches them. https://nodejs.org/api/fs.html#caveats
const DEFAULT_POLL_MS = 30_000;

/**
 * Reads every Markdown file of `dir` (and its sub-folders, named by their path under it) and
 * makes them the knowledge base's imported articles: upserted by file name, the articles of
 * removed files deleted. A file that cannot be read is logged and keeps its article.
 */
export async function importKnowledgeDir(sql: Sql, dir: string, language: string, logger: Logger): Promise<{ files: number; written: number; deleted: number }> {
  const names = (await readdir(dir, { recursive: true })).filter((name) => MARKDOWN.test(name)).map((name) => name.split(path.sep).join('/')).sort();
  const files: ArticleFile[] = [];
  const kept: string[] = [];
  for (const file of names) {
    try {
      const source = await readFile(path.join(dir, file), 'utf8');
      files.push({ file, digest: createHash('sha256').update(source).digest('hex'), ...parseArticleFile(file, source) });
    } catch (error) {
      logger.warn({ file, err: (error as Error).message }, 'knowledge base: file not imported');
      kept.push(file);
    }
  }
  // A file that failed to read is still there: its article stays as it was.
  const outcome = await syncFileArticles(sql, files, language, kept);
  return { files: files.length, ...outcome };
}

/**
 * Imports KB_DIR now and again whenever it changes (fs.watch, and a full re-read every
 * `pollMs` for file systems that do not report changes). Every instance may run it: the writes
 * are upserts that change nothing when nothing changed. Resolves once the first import is done.
 */
export async function watchKnowledgeDir(deps: { sql: Sql; dir: string; language: string; logger: Logger; pollMs?: number }): Promise<{ stop(): void; reimport(): Promise<void> }> {
  const { logger } = deps;
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let settle: NodeJS.Timeout | undefined;
  const run = async () => {
    try {
      const result = await importKnowledgeDir(deps.sql, deps.dir, deps.language, logger);
      if (result.written || result.deleted) logger.info({ dir: deps.dir, ...result }, 'knowledge base: imported');
    } catch (error) {
      logger.error({ dir: deps.dir, err: (error as Error).message }, 'knowledge base: KB_DIR not read');
    }
  };
  // One import at a time; a change during one asks for one more after it.
  const reimport = (): Promise<void> => {
    if (again) return running;
    again = true;
    running = running.then(() => {
      again = false;
      return run();
    });
    return running;
  };
  await reimport();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(deps.dir, { recursive: true }, () => {
      clearTimeout(settle);
      settle = setTimeout(() => void reimport(), SETTLE_MS);
    });
    watcher.on('error', (error) => logger.warn({ dir: deps.dir, err: error.message }, 'knowledge base: watching KB_DIR failed; polling only'));
  } catch (error) {
    logger.warn({ dir: deps.dir, err: (error as Error).message }, 'knowledge base: KB_DIR cannot be watched; polling only');
  }
  const poll = setInterval(() => void reimport(), deps.pollMs ?? DEFAULT_POLL_MS);
  poll.unref();
  return {
    stop() {
      clearTimeout(settle);
      clearInterval(poll);
      watcher?.close();
    },
    reimport,
  };
}
