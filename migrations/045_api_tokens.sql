-- Scoped API tokens (issue 20): made, listed and revoked from Slack by SLACK_ADMINS, kept
-- beside API_CHANNEL_TOKEN (which keeps full access). Only the SHA-256 of a token is stored:
-- whoever reads this table cannot call the API with what they read.
create table api_tokens (
  id bigint generated always as identity primary key,
  name text not null check (length(name) between 1 and 100),
  scope text not null check (scope in ('intake', 'read', 'admin')),
  -- Hex SHA-256 of the whole token; the lookup key of every request.
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  -- The token's first characters (`sbt_AbCd`), to tell tokens apart in a list.
  prefix text not null,
  created_by text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by text,
  check ((revoked_at is null) = (revoked_by is null))
);
