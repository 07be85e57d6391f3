-- Migration 0007 (issue 22, the message search):
-- each message's subject, as rendered, recorded when the message is claimed. The Alertas page's
-- message search finds messages by subject words ("Estado de cuenta octubre") without opening
-- run folders, which retention removes after ALERTAS_RETENTION_DAYS. A subject may name a
-- customer, so `ops purge --before DATE` clears it with the addresses. Idempotent, so that
-- renumbering it re-applies nothing.
alter table alerts.deliveries add column if not exists subject text;
