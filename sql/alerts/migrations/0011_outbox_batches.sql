-- Migration 0011: which batch archive holds a message as rendered (issue 26).
-- The render step writes one archive per batch (`plan/outbox/batch-NNNN.zip`, alertas_rapidas.outbox)
-- instead of one `.eml` object per message; the claim records the archive's name, so the Alertas
-- page's `.eml` link reads that one entry. Null for messages rendered before (their own `.eml`).
alter table alerts.deliveries add column outbox text;
