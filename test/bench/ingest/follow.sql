-- A customer's follow-up on an open ticket: the statements ingest() issues for it, in order
-- (src/tickets/intake.ts, contacts-sql.ts, tickets-sql.ts, messages-sql.ts, events-sql.ts and
-- the SLA observer's previousPublicDirection in src/sla/sla-sql.ts). Senders c0… were created
-- by the HTTP run on this database; :senders is how many.
-- The app chooses the message's id (a random UUID) and reads nothing back from its insert but
-- whether it stored; pgbench cannot draw a UUID itself, so the server does and returns it.
\set s random(0, :senders - 1)
\set n random(1, 1000000000000)
begin;
select pg_advisory_xact_lock(hashtextextended('identity' || chr(58) || 'api' || chr(58) || 'c' || :s::text || '@bench.example', 0));
select m.id, t.number from messages m join tickets t on t.id = m.ticket_id
  where m.channel = 'api' and m.external_id = 'pgb-' || :client_id::text || '-' || :n::text;
select id, contact_id, kind, address, display_name, opted_out_at, language
  from identities where kind = 'api' and address = 'c' || :s::text || '@bench.example'
\gset i_
select * from tickets
  where contact_id = (select contact_id from identities where kind = 'api' and address = 'c' || :s::text || '@bench.example')
    and channel = 'api' and conversation = 'c' || :s::text || '@bench.example' and status <> 'closed'
  for update
\gset t_
update tickets set last_inbound_at = now(), updated_at = now(), status = :t_status,
    recipient = coalesce(null, recipient),
    cc = cc || array(select unnest('{}'::text[]) except select unnest(cc)),
    resolved_at = case when :t_status::text = 'resolved' then resolved_at else null end
  where id = :t_id;
insert into messages (id, ticket_id, channel, direction, author, text, attachments, original, external_id, slack_ts, delivery, template, once_key, created_at)
  values (gen_random_uuid(), :t_id, 'api', 'inbound', null, 'Any news on my order? It still shows as processing.', '[]', null,
          'pgb-' || :client_id::text || '-' || :n::text, null, null, false, null, now())
  on conflict (channel, external_id) do nothing
  returning id
\gset m_
insert into events (ticket_id, kind, actor, data, at)
  select ticket_id, kind, actor, data, at
  from jsonb_to_recordset(jsonb_build_array(jsonb_build_object('ticket_id', :t_id::int, 'kind', 'message', 'actor', 'customer',
    'data', jsonb_build_object('messageId', :m_id::text, 'direction', 'inbound'), 'at', now())))
    as x(ticket_id integer, kind text, actor text, data jsonb, at timestamptz);
select (select p.direction from messages p
        where p.ticket_id = m.ticket_id and p.direction in ('inbound', 'outbound') and p.seq < m.seq
        order by p.seq desc limit 1) as previous
  from messages m where m.id = :m_id;
commit;
