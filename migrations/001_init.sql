-- The core model (product.md §2): contacts and their identities, tickets, messages, and the
-- append-only event trail. Invariants live here, not in code: unique keys for identity and
-- idempotency, check constraints for every enum, foreign keys.

create table contacts (
  id integer generated always as identity primary key,
  name text,
  -- Set when this contact was merged into another; its identities and tickets moved there.
  merged_into integer references contacts (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table identities (
  id integer generated always as identity primary key,
  contact_id integer not null references contacts (id),
  -- SMS, Twilio WhatsApp and the WhatsApp linked device share `phone` (E.164), so one number
  -- is one contact whichever way it writes.
  kind text not null check (kind in ('phone', 'email', 'telegram', 'discord', 'api')),
  address text not null check (address <> ''),
  display_name text,
  -- Consent: an SMS STOP sets it, START clears it; nothing is sent while it is set.
  opted_out_at timestamptz,
  created_at timestamptz not null default now(),
  unique (kind, address)
);
create index identities_contact on identities (contact_id);

create sequence ticket_numbers as integer;

create table tickets (
  id integer generated always as identity primary key,
  number integer not null unique default nextval('ticket_numbers'),
  contact_id integer not null references contacts (id),
  -- The identity the ticket came from: replies go to its address.
  identity_id integer not null references identities (id),
  channel text not null check (channel in ('api', 'sms', 'whatsapp', 'whatsapp-web', 'telegram', 'discord', 'email')),
  -- The sender's address for SMS/WhatsApp, the chat id for Telegram, the DM or thread id for
  -- Discord, the thread's root Message-ID for email, `conversation` or `from` for the API.
  conversation text not null check (conversation <> ''),
  -- Which of our addresses the customer wrote to (a Twilio number, a mailbox): replies leave
  -- from it.
  recipient text,
  subject text,
  status text not null default 'new' check (status in ('new', 'open', 'pending', 'resolved', 'closed')),
  priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  assignee text, -- a Slack user id
  team text,
  tags text[] not null default '{}',
  custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),
  escalation_level integer not null default 0 check (escalation_level >= 0),
  previous_ticket_id integer references tickets (id),
  -- The SLA summary the SLA engine keeps for cards and lists: the nearest due time and its
  -- metric, and when a target still unmet was breached.
  sla_due_at timestamptz,
  sla_due_metric text,
  sla_breached_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  first_response_at timestamptz,
  last_inbound_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  csat_score smallint check (csat_score between 1 and 5),
  check (status <> 'resolved' or resolved_at is not null),
  check (status <> 'closed' or closed_at is not null)
);
-- One active ticket per contact and conversation: concurrent first messages meet here.
create unique index tickets_one_active on tickets (contact_id, channel, conversation) where status <> 'closed';
create index tickets_status on tickets (status, created_at);
create index tickets_assignee on tickets (assignee, status) where assignee is not null;
create index tickets_conversation on tickets (channel, conversation, created_at desc);

create table messages (
  id uuid primary key default gen_random_uuid(),
  -- Arrival order; a ticket's thread is ordered by it.
  seq bigint generated always as identity unique,
  ticket_id integer not null references tickets (id),
  channel text not null check (channel in ('api', 'sms', 'whatsapp', 'whatsapp-web', 'telegram', 'discord', 'email')),
  direction text not null check (direction in ('inbound', 'outbound', 'note', 'system')),
  -- Who wrote it: the Slack user id for outbound and notes, null for the customer and the system.
  author text,
  text text not null default '',
  attachments jsonb not null default '[]' check (jsonb_typeof(attachments) = 'array'),
  -- The customer platform's id: the idempotency key of an inbound message, and the id the
  -- platform gave an outbound one (so an echo of our own send is dropped as a duplicate).
  external_id text,
  slack_ts text,
  delivery text check (delivery in ('queued', 'sent', 'delivered', 'read', 'undelivered', 'failed')),
  delivery_code text,
  delivery_reason text,
  attempts integer not null default 0,
  -- A pre-approved template sent in place of free text (WhatsApp outside its 24-hour window).
  template boolean not null default false,
  -- While a delivery job holds the message, no other job sends it.
  claimed_until timestamptz,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  unique (channel, external_id),
  check ((direction = 'outbound') = (delivery is not null)),
  check (delivery not in ('undelivered', 'failed') or delivery_reason is not null)
);
create index messages_ticket on messages (ticket_id, seq);
-- The outbox: replies not yet handed to the platform.
create index messages_outbox on messages (ticket_id, seq) where delivery = 'queued' and external_id is null;

create table events (
  id bigint generated always as identity primary key,
  ticket_id integer references tickets (id),
  kind text not null check (kind ~ '^[a-z][a-z_.-]*$'),
  -- 'customer', 'system', 'api' or a Slack user id.
  actor text not null,
  data jsonb not null default '{}',
  at timestamptz not null default now()
);
create index events_ticket on events (ticket_id, id);
create index events_kind on events (kind, at);

create function events_are_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'events are append-only: % refused', tg_op;
end $$;
create trigger events_append_only before update or delete on events
  for each row execute function events_are_append_only();

-- Delivery reports that arrived before we had recorded the platform's id for the message
-- (Twilio can call back `sent` before its API answer reaches us). Applied when the id is
-- recorded; Twilio does not retry status callbacks, so dropping them would lose them.
create table early_delivery_reports (
  channel text not null,
  external_id text not null,
  state text not null check (state in ('queued', 'sent', 'delivered', 'read', 'undelivered', 'failed')),
  code text,
  reason text,
  received_at timestamptz not null default now(),
  primary key (channel, external_id, state)
);

-- Pacing slots shared by every instance: the next moment a sender (a Twilio number, a Slack
-- channel) may be used, so platform rate limits are met without relying on 429s.
create table send_pacing (
  key text primary key,
  next_at timestamptz not null
);
