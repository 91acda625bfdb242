-- A new customer's first message: the statements ingest() issues for it, in order, with the
-- SLA observer's evaluation (src/sla/engine.ts, sla-sql.ts) and its timer job. The two pg-boss
-- statements are filled in at run time from what pg-boss itself sends for the upsert.
-- The new contact's identity goes out with the ticket's insert, which finds it by address.
-- The app chooses the message's id (a random UUID) and reads nothing back from its insert but
-- whether it stored; pgbench cannot draw a UUID itself, so the server does and returns it.
\set n random(1, 1000000000000)
begin;
select pg_advisory_xact_lock(hashtextextended('identity' || chr(58) || 'api' || chr(58) || 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example', 0));
select m.id, t.number from messages m join tickets t on t.id = m.ticket_id
  where m.channel = 'api' and m.external_id = 'pgb-' || :client_id::text || '-' || :n::text;
select id, contact_id, kind, address, display_name, opted_out_at, language
  from identities where kind = 'api' and address = 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example';
select * from tickets
  where contact_id = (select contact_id from identities where kind = 'api' and address = 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example')
    and channel = 'api' and conversation = 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example' and status <> 'closed'
  for update;
with contact as (insert into contacts (name) values ('Customer ' || :n::text) returning id)
  insert into identities (contact_id, kind, address, display_name, language)
  select id, 'api', 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example', 'Customer ' || :n::text, null::text from contact
  returning id, contact_id, kind, address, display_name, opted_out_at, language
\gset i_
insert into tickets (contact_id, identity_id, channel, conversation, recipient, subject, cc, previous_ticket_id, team, priority, tags, assignee, routed_by,
                     created_at, updated_at, last_inbound_at)
  values ((select contact_id from identities where kind = 'api' and address = 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example'),
          (select id from identities where kind = 'api' and address = 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example'), 'api', 'pgb-' || :client_id::text || '-' || :n::text || '@bench.example', null,
          'Hello, my order #4411 has not arrived yet', '{}'::text[], null, null, 'normal', '{}'::text[], null, '{}'::text[], now(), now(), now())
  returning *
\gset t_
insert into messages (id, ticket_id, channel, direction, author, text, attachments, original, external_id, slack_ts, delivery, template, once_key, created_at)
  values (gen_random_uuid(), :t_id, 'api', 'inbound', null, 'Hello, my order #4411 has not arrived yet', '[]', null,
          'pgb-' || :client_id::text || '-' || :n::text, null, null, false, null, now())
  on conflict (channel, external_id) do nothing
  returning id
\gset m_
insert into events (ticket_id, kind, actor, data, at)
  select ticket_id, kind, actor, data, at
  from jsonb_to_recordset(jsonb_build_array(
    jsonb_build_object('ticket_id', :t_id::int, 'kind', 'created', 'actor', 'customer',
      'data', jsonb_build_object('channel', 'api', 'priority', 'normal', 'previousTicketId', null), 'at', now()),
    jsonb_build_object('ticket_id', :t_id::int, 'kind', 'message', 'actor', 'customer',
      'data', jsonb_build_object('messageId', :m_id::text, 'direction', 'inbound'), 'at', now())))
    as x(ticket_id integer, kind text, actor text, data jsonb, at timestamptz);
savepoint s0;
select t.id, t.number, t.escalation_level, t.sla_due_at, t.sla_due_metric, t.sla_breached_at,
    s.timer_at, s.targets,
    array(select a.metric || ':' || a.cycle || ':' || a.kind from sla_alerts a where a.ticket_id = t.id) as recorded
  from tickets t left join sla_tickets s on s.ticket_id = t.id
  where t.id = :t_id
  for update of t;
select kind, at, value, sent_at, automatic from (
    select e.kind, e.at, coalesce(e.data->>'to', e.data->>'priority') as value, null::timestamptz as sent_at,
      false as automatic, 0 as source, e.id as ord
    from events e where e.ticket_id = :t_id and e.kind in ('created', 'status', 'priority')
    union all
    select m.direction, m.created_at, m.delivery, m.sent_at, m.direction = 'outbound' and (m.author is null or m.template), 1, m.seq
    from messages m where m.ticket_id = :t_id and m.direction in ('inbound', 'outbound')
  ) facts
  order by at, source, ord;
update tickets set sla_due_at = now() + interval '8 hours', sla_due_metric = 'firstReply', sla_breached_at = null
  where id = :t_id;
insert into sla_tickets (ticket_id, timer_at, targets, updated_at)
  values (:t_id, now() + interval '6 hours',
          jsonb_build_array(jsonb_build_object('metric', 'firstReply', 'dueAt', now() + interval '8 hours', 'paused', false, 'breachedAt', null)), now())
  on conflict (ticket_id) do update set timer_at = excluded.timer_at, targets = excluded.targets, updated_at = excluded.updated_at;
{{TIMER_UPDATE}};
{{TIMER_INSERT}};
commit;
