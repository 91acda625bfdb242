-- A login notice follows its QR code (issue 16): WhatsApp rotates the code every 20 s or so,
-- and the one Slack post shows the latest; once linked, the post says how it was resolved.
alter table operator_notices add column qr_refreshed_at timestamptz;
-- What the connection said when it came back (`linked as +15550009999`).
alter table operator_notices add column resolution text;
