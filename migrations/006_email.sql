-- The email channel (issue 15): the people a customer copied, and each message's original.

-- Addresses on the customer's To/Cc other than ours: copied on every reply on the ticket.
alter table tickets add column cc text[] not null default '{}';

-- The message exactly as it arrived (an email's raw source), a stored file like an attachment
-- ({ name, contentType, size, ref }), kept for the agents beside the cleaned text.
alter table messages add column original jsonb;
