/**
 * The knowledge base's parts without Slack: Markdown files read as articles, KB_LANGUAGE, and
 * search on a real Postgres (title over body, the language's stemming, re-indexing when it changes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnowledgeBase, parseArticleFile } from '../../src/knowledge/index.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { configProblems } from '../helpers/env.ts';
import { loadConfig } from '../../src/config.ts';

describe('a Markdown file as an article', () => {
  it('takes the title from the front matter, else the first heading (out of the body), else the file name', () => {
    expect(parseArticleFile('a.md', '---\ntitle: Front\ntags: "#One, two"\n---\n# Heading\nBody')).toEqual({ title: 'Front', body: '# Heading\nBody', tags: ['one', 'two'] });
    expect(parseArticleFile('a.md', '\uFEFFIntro\n\n# Heading ##\n\nBody')).toEqual({ title: 'Heading', body: 'Intro\n\nBody', tags: [] });
    expect(parseArticleFile('guides/reset_your-password.md', 'Just text')).toEqual({ title: 'Reset your password', body: 'Just text', tags: [] });
  });

  it('refuses front matter that is not a mapping', () => {
    expect(() => parseArticleFile('a.md', '---\n- a list\n---\nBody')).toThrow('front matter is not a mapping');
  });
});

describe('KB_DIR and KB_LANGUAGE', () => {
  it('default to no folder and english, and refuse a language Postgres does not have', () => {
    expect(loadConfig({}).knowledge).toEqual({ dir: undefined, language: 'english' });
    expect(loadConfig({ KB_DIR: '/srv/kb', KB_LANGUAGE: 'german' }).knowledge).toEqual({ dir: '/srv/kb', language: 'german' });
    const [problem] = configProblems({ KB_LANGUAGE: 'klingon' });
    expect(problem).toMatchObject({ variable: 'KB_LANGUAGE', message: expect.stringContaining('must be one of simple, arabic') });
  });
});

describe('search', () => {
  let db: TestDatabase;
  const logger = createLogger('silent');
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("stems words in KB_LANGUAGE, ranks a title match first, and re-indexes every article when the language changes", async () => {
    const english = createKnowledgeBase({ sql: db.sql, config: { dir: undefined, language: 'english' }, logger });
    await english.start();
    await english.save({ title: 'Passwords', body: 'How accounts are kept safe.' }, 'U0AGENT001');
    await english.save({ title: 'Accounts', body: 'Change the password of an account in Settings.' }, 'U0AGENT001');
    // "password" finds "Passwords" (english stems both to "password"), the title match first.
    expect((await english.search('password')).map((a) => a.title)).toEqual(['Passwords', 'Accounts']);
    expect((await english.suggest(db.sql, 'I lost my password yesterday')).map((a) => a.title)).toEqual(['Passwords', 'Accounts']);

    const simple = createKnowledgeBase({ sql: db.sql, config: { dir: undefined, language: 'simple' }, logger });
    await simple.start();
    // simple does not stem: "password" is no longer "passwords".
    expect((await simple.search('password')).map((a) => a.title)).toEqual(['Accounts']);
    const languages = await db.sql<{ language: string }[]>`select distinct language::text from kb_articles`;
    expect(languages).toEqual([{ language: 'simple' }]);
  });
});
