import type { Db, Sql } from '../db/index.ts';
import type { ArticleText } from './markdown.ts';

export interface Article {
  id: number;
  file: string | null;
  title: string;
  body: string;
  tags: string[];
}

/** A search hit: the article and how well it matched. */
export interface ArticleHit extends Article {
  rank: number;
}

export interface ArticleFile extends ArticleText {
  file: string;
  digest: string;
}

/** Upserts the files' articles by file name (a file whose digest is unchanged is not written) and deletes the articles of files gone (`kept`: there, but unread). */
export async function syncFileArticles(sql: Sql, files: readonly ArticleFile[], language: string, kept: readonly string[] = []): Promise<{ written: number; deleted: number }> {
  return sql.begin(async (tx) => {
    let written = 0;
    for (const f of files) {
      const rows = await tx`
        insert into kb_articles (file, title, body, tags, language, digest)
        values (${f.file}, ${f.title}, ${f.body}, ${f.tags}, ${language}::regconfig, ${f.digest})
        on conflict (file) do update set title = excluded.title, body = excluded.body, tags = excluded.tags,
          language = excluded.language, digest = excluded.digest, updated_at = now()
        where kb_articles.digest is distinct from excluded.digest or kb_articles.language <> excluded.language
        returning id`;
      written += rows.length;
    }
    const gone = await tx`delete from kb_articles where file is not null and not (file = any(${[...files.map((f) => f.file), ...kept]}::text[])) returning id`;
    return { written, deleted: gone.length };
  });
}

/** Re-indexes every article in `language` when KB_LANGUAGE changed (the search column follows). */
export async function setLanguage(db: Db, language: string): Promise<number> {
  const rows = await db`update kb_articles set language = ${language}::regconfig where language <> ${language}::regconfig returning id`;
  return rows.length;
}

/** An article an agent saved from Slack. */
export async function insertArticle(db: Db, article: ArticleText, language: string, by: string): Promise<Article> {
  const [row] = await db<Article[]>`
    insert into kb_articles (title, body, tags, language, created_by)
    values (${article.title}, ${article.body}, ${article.tags}, ${language}::regconfig, ${by})
    returning id, file, title, body, tags`;
  return row!;
}

export async function findArticle(db: Db, id: number): Promise<Article | undefined> {
  const [row] = await db<Article[]>`select id, file, title, body, tags from kb_articles where id = ${id}`;
  return row;
}

/**
 * The best matches for `words`, title matches first (weight A over B). `all`: every word must
 * match (what an agent types, with "quotes" and -not, websearch_to_tsquery); `any`: any of them
 * (a customer's message, most of whose words are not about the article).
 */
export async function searchArticles(db: Db, language: string, words: string, mode: 'all' | 'any', limit: number): Promise<ArticleHit[]> {
  // plainto_tsquery joins the message's lexemes with &; as text, they join with | instead.
  const query =
    mode === 'all'
      ? db`websearch_to_tsquery(${language}::regconfig, ${words})`
      : db`replace(plainto_tsquery(${language}::regconfig, ${words})::text, ' & ', ' | ')::tsquery`;
  return db<ArticleHit[]>`
    select id, file, title, body, tags, ts_rank(search, q) as rank
    from kb_articles, (select ${query} as q) as query
    where search @@ q
    order by rank desc, id
    limit ${limit}`;
}
