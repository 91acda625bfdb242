-- Collision warnings (issue 17): an agent's reply written in the thread of a ticket someone
-- else owns, or just after another agent answered the same customer, waits here instead of
-- going out, until its author chooses (send anyway, keep as a note, discard) or 10 minutes
-- pass and it becomes a note. Nothing in this table ever reaches the customer by itself.
create table held_replies (
  id integer generated always as identity primary key,
  ticket_id integer not null references tickets (id),
  author text not null,
  text text not null,
  attachments jsonb not null default '[]',
  -- The agent's own message in the card's thread: a retried event holds it once.
  slack_ts text not null unique,
  slack_channel text not null,
  slack_thread_ts text not null,
  -- Why it was held: the ticket is someone else's, or someone else just replied.
  reason text not null check (reason in ('assigned', 'recent')),
  other_agent text not null,
  held_at timestamptz not null,
  -- Null while it waits; set once, by the first of the author's choice and the timeout.
  outcome text check (outcome in ('sent', 'note', 'discarded')),
  decided_by text,
  decided_at timestamptz,
  message_id uuid references messages (id),
  check ((outcome is null) = (decided_at is null))
);

create index held_replies_waiting on held_replies (ticket_id) where outcome is null;
