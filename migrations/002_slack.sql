-- The Slack side of tickets (product.md §4). Slack is a mirror of Postgres: these tables are
-- the durable queue of what still has to reach Slack, so a Slack outage or rate limit delays
-- posts and never loses them.

-- One card per ticket in the triage channel; its thread is the conversation.
create table slack_cards (
  ticket_id integer primary key references tickets (id),
  channel text not null check (channel <> ''),
  -- The card's ts once posted: the thread's parent. Null until the post succeeds.
  ts text,
  -- A digest of the card as last sent; the card is re-sent only when it differs.
  rendered text,
  -- While a sync job holds the ticket's Slack writes, no other job makes them: one writer per
  -- ticket keeps its thread in order.
  leased_until timestamptz,
  -- Consecutive failed Slack calls, for backoff, and when the next try is due.
  failures integer not null default 0,
  retry_at timestamptz,
  last_error text,
  created_at timestamptz not null default now()
);
-- An agent's reply arrives as (channel, thread_ts): the card it answers.
create unique index slack_cards_thread on slack_cards (channel, ts) where ts is not null;

-- What still has to reach Slack for a ticket, oldest first: a message for its thread, a
-- Slack-only note (an SLA warning), a reaction on a delivered reply, a post in the escalation
-- channel. A row is written in the transaction of the change that causes it and deleted once
-- Slack has it.
create table slack_outbox (
  id bigint generated always as identity primary key,
  ticket_id integer not null references tickets (id),
  kind text not null check (kind in ('message', 'note', 'reaction', 'escalation')),
  message_id uuid references messages (id),
  data jsonb not null default '{}' check (jsonb_typeof(data) = 'object'),
  created_at timestamptz not null default now(),
  check ((kind in ('message', 'reaction')) = (message_id is not null))
);
create index slack_outbox_ticket on slack_outbox (ticket_id, id);

-- Events API deliveries already taken: Slack retries an event it thinks failed
-- (X-Slack-Retry-Num), and each event_id must be handled once.
-- https://docs.slack.dev/apis/events-api/#retries
create table slack_events (
  event_id text primary key,
  received_at timestamptz not null default now()
);
create index slack_events_age on slack_events (received_at);

-- An agent's message written in a Slack thread is stored once, however often its event is
-- handled: the Slack ts is its identity. (Mirrored customer and system lines may share one
-- post, so only agent-written directions are unique.)
create unique index messages_slack_authored on messages (slack_ts) where slack_ts is not null and direction in ('outbound', 'note');
