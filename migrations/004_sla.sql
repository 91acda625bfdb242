-- The SLA engine's own state (product.md §5). The ticket's summary columns (sla_due_at,
-- sla_due_metric, sla_breached_at, migration 001) stay on tickets for cards and lists; what
-- only the engine needs lives here.

-- One row per ticket the engine has evaluated: the moment its one timer job is set for, and
-- the live targets as the ticket API shows them.
create table sla_tickets (
  ticket_id integer primary key references tickets (id),
  -- Null when no target is counting (all met, paused or none configured): no job is owed.
  timer_at timestamptz,
  -- [{ metric, dueAt, paused, breachedAt }] of the targets still running or paused.
  targets jsonb not null default '[]' check (jsonb_typeof(targets) = 'array'),
  updated_at timestamptz not null default now()
);
-- Start-up finds timers whose job was lost (retries exhausted, all instances down for weeks)
-- by their moment, without reading every ticket.
create index sla_tickets_timer on sla_tickets (timer_at) where timer_at is not null;

-- Every alert the engine has raised, once: the primary key is the alert's identity, so two
-- instances (or a job that runs twice) computing the same alert record it once, and the
-- effects written in the same transaction happen once.
create table sla_alerts (
  ticket_id integer not null references tickets (id),
  metric text not null check (metric in ('firstReply', 'nextReply', 'periodicUpdate', 'resolution', 'totalResolution')),
  cycle integer not null check (cycle >= 1),
  kind text not null check (kind ~ '^(warning|breach|ladder-[1-9][0-9]*)$'),
  -- When the mark was reached, and when the engine recorded it: the difference is the lateness.
  due_at timestamptz not null,
  fired_at timestamptz not null,
  -- False when recorded without a post: the cycle had already ended (met late, resolved), or
  -- a later mark of the same cycle was due too.
  posted boolean not null,
  primary key (ticket_id, metric, cycle, kind)
);
create index sla_alerts_fired on sla_alerts (fired_at);

-- The policy the open tickets' timers were last computed with (a single row). A start with
-- other SLA_* values changes the fingerprint and reschedules every open ticket once.
create table sla_policy (
  id boolean primary key default true check (id),
  fingerprint text not null,
  applied_at timestamptz not null default now()
);
