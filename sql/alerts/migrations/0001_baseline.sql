-- Migration 0001: the ledger as it stood before migrations were numbered (the file
-- sql/alerts/ledger.sql that was re-applied on every connection until then).
-- Written to be idempotent (`if not exists` everywhere), so it brings a ledger created by any
-- earlier version of that file to this shape, and creates a new one from nothing. Later changes
-- are new numbered files; an applied migration is never edited (see alertas_rapidas.migrations).
create schema if not exists alerts;

-- One row per message, keyed by sha256(family, recipient_ref, business_key).
-- status: pending -> sending (committed before SMTP) -> sent | failed | deferred | unknown;
-- skipped (with reason) for candidates that got no message.
create table if not exists alerts.deliveries (
    idempotency_key text primary key,
    family text not null,
    recipient_ref text not null,
    business_key text not null,
    status text not null check (
        status in ('pending', 'sending', 'sent', 'failed', 'deferred', 'unknown', 'skipped')
    ),
    reason text,
    run_date date,
    dag_id text,
    run_id text,
    recipients text[],
    refused jsonb,
    smtp_response text,
    message_id text,
    attempts integer not null default 0,
    first_seen_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    sent_at timestamptz
);

-- Which task instance claimed a row, and in which try: lets a retry recognise what an earlier,
-- interrupted try left `sending` (then `unknown`). Added for ledgers created before them.
alter table alerts.deliveries add column if not exists claim_token text;
alter table alerts.deliveries add column if not exists claim_try integer;

create index if not exists deliveries_family_run_date on alerts.deliveries (family, run_date);
create index if not exists deliveries_status on alerts.deliveries (status)
    where status in ('sending', 'deferred', 'unknown', 'failed');

-- One row per DAG run: what it did (counts only, no personal data).
create table if not exists alerts.runs (
    dag_id text not null,
    run_id text not null,
    family text not null,
    run_date date,
    logical_date timestamptz,
    dry_run boolean not null default false,
    summary jsonb not null,
    finished_at timestamptz not null default now(),
    primary key (dag_id, run_id)
);

create index if not exists runs_family_run_date on alerts.runs (family, run_date);

-- Recipients who unsubscribed from a recurring family (List-Unsubscribe), or from every recurring
-- family (family '*'); honoured like the DMS's alerts_opt_out (skip reason `unsubscribed`).
-- recipient_ref is the DMS reference (customer:42), never an address.
create table if not exists alerts.unsubscribes (
    family text not null,
    recipient_ref text not null,
    source text not null check (source in ('one-click', 'page', 'mailto', 'ops')),
    unsubscribed_at timestamptz not null default now(),
    primary key (family, recipient_ref)
);
