-- Macros (issue 18): canned replies agents send from Slack, with placeholders filled in, that
-- may also set the ticket's status, priority and tags. Managed from Slack (`/ticket macro add`)
-- or loaded from switchboard.yml (`macros:`), which owns the ones it names.
create table macros (
  name text primary key check (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  text text not null check (btrim(text) <> ''),
  -- What sending it also does: a status (the reply itself opens the ticket), a priority, tags.
  status text check (status in ('pending', 'resolved')),
  priority text check (priority in ('low', 'normal', 'high', 'urgent')),
  tags text[] not null default '{}',
  -- 'config': switchboard.yml has it (and takes it away when the file no longer does);
  -- 'slack': an agent added it.
  source text not null default 'slack' check (source in ('config', 'slack')),
  created_by text,
  updated_at timestamptz not null default now()
);

-- A reply sent once whatever repeats its request (a modal submitted twice, a slash command or a
-- "Send to customer" click delivered again): the key the surface gives it, met here.
alter table messages add column once_key text check (once_key <> '');
create unique index messages_once on messages (once_key) where once_key is not null;
