-- Channel contract v2 (issue 13): channel names owned by their modules, edits and deletions of
-- customer messages, per-module state that survives a fail-over, who holds each connection and
-- how it is doing, and the operator notices raised about it.

-- A module names its channels; the schema checks the form, not a fixed list, so adding a
-- platform is adding its module.
alter table tickets drop constraint tickets_channel_check;
alter table tickets add constraint tickets_channel_check check (channel ~ '^[a-z][a-z0-9-]{0,31}$');
alter table messages drop constraint messages_channel_check;
alter table messages add constraint messages_channel_check check (channel ~ '^[a-z][a-z0-9-]{0,31}$');

-- The customer edited or deleted a message. `messages.text` stays what they first wrote; the
-- latest edit and the deletion are kept beside it, every revision below.
alter table messages add column edited_text text;
alter table messages add column edited_at timestamptz;
alter table messages add column deleted_at timestamptz;

create table message_revisions (
  id bigint generated always as identity primary key,
  message_id uuid not null references messages (id),
  kind text not null check (kind in ('edit', 'deletion')),
  -- The platform's mark for this revision (Telegram's edit_date); a repeat of it is one revision.
  revision text not null,
  -- The text after an edit; null for a deletion.
  text text,
  at timestamptz not null default now(),
  unique (message_id, kind, revision),
  check ((kind = 'edit') = (text is not null))
);

-- A thread post to update in place because a message in it changed.
alter table slack_outbox drop constraint slack_outbox_kind_check;
alter table slack_outbox add constraint slack_outbox_kind_check check (kind in ('message', 'note', 'reaction', 'escalation', 'revision'));
alter table slack_outbox drop constraint slack_outbox_check;
alter table slack_outbox add constraint slack_outbox_check check ((kind in ('message', 'reaction', 'revision')) = (message_id is not null));

-- A module's own state (a polling offset, a session): JSON by key.
create table channel_state (
  module text not null,
  key text not null,
  value jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (module, key)
);

-- Each connection-holding module: which instance holds it, since when, and how it is doing.
-- `epoch` rises at every take-over; state writes name the epoch they were made under, so a
-- holder that lost its hold (its database session ended while it kept running) cannot write.
create table channel_connections (
  module text primary key,
  holder text,
  epoch bigint not null default 0,
  held_since timestamptz,
  state text not null default 'connecting'
    check (state in ('connecting', 'connected', 'reconnecting', 'login-required', 'session-lost', 'token-refused', 'stopped')),
  detail text,
  state_since timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Something an operator has to see or do about a channel's connection. One open notice per
-- module and kind: a condition reported again while open is the same incident. Closed when
-- the connection is back, which is told once more.
create table operator_notices (
  id bigint generated always as identity primary key,
  module text not null,
  kind text not null check (kind in ('login-required', 'session-lost', 'token-refused', 'reconnecting')),
  detail text not null,
  -- A login QR code to show, as the adapter rendered it.
  qr_text text,
  qr_png bytea,
  opened_at timestamptz not null default now(),
  closed_at timestamptz,
  -- Where Slack shows it, once posted; the recovery is posted in its thread.
  slack_channel text,
  slack_ts text,
  recovery_posted_at timestamptz
);
create unique index operator_notices_open on operator_notices (module, kind) where closed_at is null;
