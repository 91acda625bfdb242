-- Merging tickets and contacts (issue 17).

-- A ticket merged into another is closed (a `status` event whose reason is `merged`) and points
-- at the ticket that holds its conversation now: intake follows the pointer, so the customer's
-- next message on the old conversation lands there, and the ticket API says where it went.
alter table tickets add column merged_into integer references tickets (id) check (merged_into <> id);
create index tickets_merged_into on tickets (merged_into) where merged_into is not null;

-- A message that came to its ticket by a merge: the ticket it was on before (its thread shows it
-- marked as from that ticket).
alter table messages add column merged_from integer references tickets (id);
