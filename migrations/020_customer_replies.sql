-- What the customer hears from Switchboard itself (issue 18): the acknowledgement of a new
-- ticket, the answer to "status", and the satisfaction survey (CSAT) after resolution.

-- A message Switchboard wrote or handled by itself: an outbound acknowledgement, status answer
-- or survey, and the customer's status question or survey answer it took. None of them is a
-- reply or a question for the SLA clock (src/sla/facts.ts), and none claims the ticket.
alter table messages add column automatic text check (automatic in ('acknowledgement', 'status', 'survey'));
-- Written by nobody: an agent's reply is never automatic.
alter table messages add constraint messages_automatic_unauthored check (automatic is null or direction <> 'outbound' or author is null);
-- One acknowledgement and one survey per ticket, whatever retries or races happen: the insert
-- meets this key instead of checking first.
create unique index messages_one_acknowledgement on messages (ticket_id) where automatic = 'acknowledgement' and direction = 'outbound';
create unique index messages_one_survey on messages (ticket_id) where automatic = 'survey' and direction = 'outbound';

-- Buttons a message offers ([{ value, label }]), rendered natively where the platform can
-- (Telegram inline keyboards, Discord buttons).
alter table messages add column choices jsonb check (choices is null or jsonb_typeof(choices) = 'array');

-- The conversation of a message when it is not its ticket's: a status question asked in another
-- conversation (a Discord DM about a support-channel ticket) is answered where it was asked.
alter table messages add column conversation text check (conversation <> '');

-- The customer's language as their platform last told it (Telegram's language_code, an email's
-- Content-Language), lower case: the acknowledgement, status answer and survey speak it.
alter table identities add column language text check (language ~ '^[a-z]{2,3}(-[a-z0-9]{1,8})*$');

-- The comment that came with the score (tickets.csat_score, migration 001), for the card. The
-- `csat` event keeps both for reports.
alter table tickets add column csat_comment text;

-- Agents as customers read them ("#12: open, with Ada Lovelace"): the Slack module learns each
-- assignee's name, so intake can answer "status" without asking Slack.
create table agent_profiles (
  agent text primary key,
  name text not null check (name <> ''),
  fetched_at timestamptz not null default now()
);
