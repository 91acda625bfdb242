-- The knowledge base (issue 18): articles in Markdown, imported from KB_DIR or saved from Slack,
-- found by Postgres full-text search and suggested in a new ticket's thread.
create table kb_articles (
  id integer generated always as identity primary key,
  -- The Markdown file under KB_DIR it was imported from: its key (upserted by it, deleted when
  -- the file goes). Null for an article an agent saved from Slack.
  file text unique check (file <> ''),
  title text not null check (btrim(title) <> ''),
  body text not null default '',
  tags text[] not null default '{}',
  -- The text search configuration (KB_LANGUAGE) it is indexed in; set anew when that changes.
  language regconfig not null default 'english',
  -- Title words weigh more than body words: a match in the title ranks first.
  search tsvector generated always as (setweight(to_tsvector(language, title), 'A') || setweight(to_tsvector(language, body), 'B')) stored,
  -- A digest of the file as last imported: an unchanged file is not written again.
  digest text,
  created_by text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index kb_articles_search on kb_articles using gin (search);
