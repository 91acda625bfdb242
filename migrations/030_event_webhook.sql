-- Event webhooks (issue 18, EVENT_WEBHOOK_URL): every event of the audit trail is POSTed to one
-- receiver, in order per ticket, until it answers 2xx. The outbox below is written by a trigger
-- on `events`, so it commits with the event or not at all, whatever code recorded it and
-- whatever its kind: a kind added later flows through with no change here.

-- Whether events go to the outbox at all: set at start-up by each instance from its
-- configuration (src/event-webhook), so a desk without the webhook keeps no outbox.
create table event_webhook_settings (
  only_row boolean primary key default true check (only_row),
  enabled boolean not null default false,
  changed_at timestamptz not null default now()
);
insert into event_webhook_settings default values;

-- Commit order within a ticket (see the trigger): one number per statement that inserted events.
create sequence event_webhook_batches;

create table event_webhook_outbox (
  event_id bigint primary key references events (id),
  -- The ticket's line: its ticket id, or 0 for an event of no ticket. One job sends a line,
  -- oldest first, and stops at the first failure; lines never wait on each other.
  line integer not null check (line >= 0),
  -- The order within the line: (batch, event_id). Not events.id alone: ids are drawn when a row
  -- is inserted, and two transactions can commit in the other order (see the trigger).
  batch bigint not null,
  -- The compact ticket as the change left it, and the message the event names (data.messageId)
  -- as it was then: the payload says what happened at the time, not what is true when sent.
  ticket jsonb,
  message jsonb,
  attempts integer not null default 0 check (attempts >= 0),
  -- A sender holds the event until then (a crashed one lets go by itself), or a retry waits.
  claimed_until timestamptz,
  last_error text,
  -- The receiver refused this event for good (a 4xx other than those that say "not yet"):
  -- kept here for an operator, out of the line so the ticket's later events go on.
  refused_at timestamptz,
  refused_status integer,
  created_at timestamptz not null default now(),
  check ((refused_at is null) = (refused_status is null))
);
create index event_webhook_pending on event_webhook_outbox (line, batch, event_id) where refused_at is null;

-- Writes the outbox rows of the events one statement inserted.
--
-- Order. A sender must never send a ticket's event before one that committed earlier, and must
-- never pass over one that commits late. events.id cannot promise that: a transaction that drew
-- id 10 may commit after one that drew id 11. So each statement first takes the row lock of the
-- tickets it records events for (a change normally holds it already: it locked the ticket to
-- change it), and only then draws its batch number. Two transactions with events of one ticket
-- draw their batches one after the other, each holding the lock until it commits; so within a
-- line, batch order is commit order, and when a sender sees a batch, every smaller batch of that
-- line has committed already. Inside one statement the events keep their id order (the order
-- the change recorded them). Events of no ticket (line 0) have no lock to order them: they are
-- never lost, but two of them committing together may go out in either order.
--
-- Nothing here may fail on odd data (a failed trigger would refuse the change itself): no
-- casts of event data but a checked one.
create function event_webhook_enqueue() returns trigger language plpgsql as $$
declare
  this_batch bigint;
begin
  if not (select enabled from event_webhook_settings) then
    return null;
  end if;
  perform 1 from tickets where id in (select ticket_id from new_events) order by id for no key update;
  this_batch := nextval('event_webhook_batches');
  insert into event_webhook_outbox (event_id, line, batch, ticket, message)
  select e.id, coalesce(e.ticket_id, 0), this_batch,
    case when t.id is null then null else jsonb_build_object(
      'number', t.number, 'status', t.status, 'priority', t.priority, 'assignee', t.assignee,
      'team', t.team, 'tags', to_jsonb(t.tags), 'channel', t.channel, 'subject', t.subject,
      'contact', jsonb_build_object('id', c.id, 'name', coalesce(c.name, i.display_name), 'address', i.address)) end,
    case when m.id is null then null else jsonb_build_object(
      'id', m.id, 'direction', m.direction, 'author', m.author, 'text', m.text,
      'attachments', (select coalesce(jsonb_agg(jsonb_build_object('name', a -> 'name', 'contentType', a -> 'contentType', 'size', a -> 'size')), '[]')
                      from jsonb_array_elements(m.attachments) a),
      'delivery', m.delivery, 'editedText', m.edited_text, 'deletedAt', m.deleted_at, 'createdAt', m.created_at) end
  from new_events e
  left join tickets t on t.id = e.ticket_id
  left join contacts c on c.id = t.contact_id
  left join identities i on i.id = t.identity_id
  left join messages m on m.id = case
    when e.data ->> 'messageId' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then (e.data ->> 'messageId')::uuid
  end;
  return null;
end $$;

create trigger events_to_webhook after insert on events
  referencing new table as new_events
  for each statement execute function event_webhook_enqueue();
