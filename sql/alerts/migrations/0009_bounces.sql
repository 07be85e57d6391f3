-- Migration 0009: bounces, bounce scores and the suppression list (issue 24).
--
-- A delivery report (DSN) read from the bounce mailbox is matched to its message by the VERP
-- token of the envelope sender it was sent with (`bounce_token`) or by the Message-ID it quotes.
-- A hard bounce makes the message `bounced`; a soft one is noted on the row (`bounce_kind`). Each
-- address keeps a score (hard 1, soft 0.5, counted at most once a day); past the threshold it is
-- suppressed: later messages to it are skipped with the reason `bounced` (alertas_rapidas.bounces,
-- alertas_rapidas.suppressions).
-- status: pending -> sending (committed before SMTP) -> sent | failed | deferred | unknown |
-- waiting (a sending limit, or a slow-down reply: claimed again when its window opens);
-- sent -> bounced (a hard bounce came back); skipped (with reason) for candidates that got no message.
alter table alerts.deliveries drop constraint if exists deliveries_status_check;
alter table alerts.deliveries add constraint deliveries_status_check check (
    status in ('pending', 'sending', 'sent', 'failed', 'deferred', 'unknown', 'skipped', 'waiting', 'bounced')
);
alter table alerts.deliveries add column bounce_token text;      -- the envelope sender's VERP token
alter table alerts.deliveries add column bounce_kind text check (bounce_kind in ('hard', 'soft'));
alter table alerts.deliveries add column bounced_at timestamptz;
alter table alerts.deliveries add column bounce_detail text;     -- the report's diagnostic (may name the address)

create index deliveries_bounce_token on alerts.deliveries (bounce_token) where bounce_token is not null;
create index deliveries_message_id on alerts.deliveries (message_id);

-- One row per bounce of one address in one report (the report's Message-ID, or a hash of it):
-- reading the same report again records nothing twice.
create table alerts.bounces (
    id bigserial primary key,
    report_id text not null,
    address text not null,                 -- lower case
    kind text not null check (kind in ('hard', 'soft')),
    idempotency_key text,                  -- the message it answers
    family text,
    matched_by text not null check (matched_by in ('verp', 'message_id')),
    detail text,
    counted numeric(3, 1) not null default 0,  -- what it added to the address's score
    received_at timestamptz not null default now(),
    unique (report_id, address)
);

create index bounces_family on alerts.bounces (family, received_at);

-- Each address's bounce score (Mailman's rule): hard 1, soft 0.5, at most 1 a day (`day_weight`
-- is what `last_day` counted so far); it starts again from 0 after `stale_after` days without one.
create table alerts.bounce_scores (
    address text primary key,
    score numeric(6, 1) not null default 0,
    last_day date,
    day_weight numeric(3, 1) not null default 0,
    bounces integer not null default 0,
    updated_at timestamptz not null default now()
);

-- Addresses no message goes to: suppressed by their bounce score (source `bounces`) or by a
-- person (`ops`), with who and why. Lifting one keeps the row (lifted_at, by, why).
create table alerts.suppressions (
    id bigserial primary key,
    address text not null,                 -- lower case
    source text not null check (source in ('bounces', 'ops')),
    reason text not null check (length(trim(reason)) > 0),
    created_by text not null,
    created_at timestamptz not null default now(),
    lifted_at timestamptz,
    lifted_by text,
    lift_reason text
);

create unique index suppressions_in_force on alerts.suppressions (address) where lifted_at is null;
