-- A change that comes while another job holds the ticket's Slack writes asks the holder to run
-- again as it lets go, so the card shows it at once rather than when the hold would expire.
alter table slack_cards add column rerun boolean not null default false;
