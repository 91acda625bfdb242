-- The WhatsApp linked device (issue 16): a sender WhatsApp knows only by a privacy id (`…@lid`),
-- without their number, is an identity of its own until the number is known.
alter table identities drop constraint identities_kind_check;
alter table identities add constraint identities_kind_check check (kind in ('phone', 'email', 'telegram', 'discord', 'api', 'whatsapp-lid'));
