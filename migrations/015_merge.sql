-- Merging tickets and contacts (issue 17).

-- A ticket merged into another is closed (a `status` event whose reason is `merged`) and points
-- at the ticket that holds its conversation now: intake follows the pointer, so the customer's
-- next message on the old conversation lands there, and the ticket API says where it went.
alter table tickets add column merged_into integer references tickets (id) check (merged_into <> id);
create index tickets_merged_into on tickets (merged_into) where merged_into is not null;

-- A message that came to its ticket by a merge: the ticket it was written on (kept through later
-- merges). Its thread post is marked as from that ticket, and the SLA history of each ticket (and
-- so the reports) keeps the messages written on it, wherever they are shown now.
alter table messages add column merged_from integer references tickets (id);
create index messages_merged_from on messages (merged_from, seq) where merged_from is not null;
