-- Teams and routing (issue 17): a contact's own attributes, which routing rules read (a VIP tag,
-- a plan in a custom field), and which rules placed a ticket.
alter table contacts add column tags text[] not null default '{}';
alter table contacts add column custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object');

-- The routing rules that matched a ticket's first message, in order (shown on its card).
alter table tickets add column routed_by text[] not null default '{}';
create index tickets_team on tickets (team) where status <> 'closed';

-- A card whose ticket moved to another team is posted anew in that team's channel; until the
-- sync job has turned the old card into a pointer to the new one, where it was.
alter table slack_cards add column moved_from jsonb;
