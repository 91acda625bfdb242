-- A reply whose send may have reached the platform without our knowing (the worker died before
-- the answer came, the answer never came: a timeout, a connection broken after the request was
-- written): since when. Set just before each send unless already set, cleared when an answer
-- settles it (sent, or refused). While it is set, a channel that can look its messages up asks
-- the platform before sending again, so a reply it already has is recorded, not sent twice.
alter table messages add column unsure_since timestamptz;
