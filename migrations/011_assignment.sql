-- Auto-assignment (issue 17): who is on duty, and where each team's round-robin stands.

-- An agent's duty, as they last set it (/ticket duty on|off, App Home). An agent who never set
-- it is on duty.
create table agent_duty (
  agent text primary key,
  on_duty boolean not null,
  changed_at timestamptz not null default now()
);

-- The last agent a team's round-robin gave a ticket to; its row is the lock that orders
-- assignments within the team.
create table team_assignment (
  team text primary key,
  last_agent text,
  updated_at timestamptz not null default now()
);
