-- Reporting (issue 19): what the weekly digest and the dashboard's signed links need to keep.
-- The figures themselves are read from events (src/reports/reports-sql.ts) and need no table.

-- One row per digest week: the key that makes the Monday post happen once, however many
-- instances run the job and however often pg-boss hands it out. A run claims the week for a
-- while (`claimed_until`); the one that posts records `posted_at` and the Slack ts.
create table report_digests (
  week text primary key check (week ~ '^\d{4}-W\d{2}$'),
  channel text not null,
  claimed_until timestamptz,
  posted_at timestamptz,
  slack_ts text
);

-- The key dashboard links and sessions are signed with: random, made once by whichever
-- instance starts first, shared by all. Never logged; replacing the row signs everyone out.
create table report_secrets (
  name text primary key,
  secret text not null check (length(secret) >= 32),
  created_at timestamptz not null default now()
);
