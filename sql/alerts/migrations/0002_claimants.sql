-- Migration 0002: claims that expire honestly.
-- A deliver task registers itself as a claimant (which task instance and try, on which host and
-- process) and keeps `heartbeat_at` fresh while it runs. A `sending` row whose claimant stopped
-- (its task instance is not running, or its heartbeat is older than the family's claim lease)
-- becomes `unknown`, whatever run finds it (alertas_rapidas.recovery).
create table alerts.claimants (
    claim_token text not null,        -- dag_id|run_id|task_id|map_index
    claim_try integer not null,
    dag_id text not null,
    run_id text not null,
    task_id text not null,
    map_index integer not null,
    host text not null,
    pid integer not null,
    started_at timestamptz not null default now(),
    heartbeat_at timestamptz not null default now(),
    primary key (claim_token, claim_try)
);

-- When the row was claimed (a claim made before this migration has none: its updated_at stands in).
alter table alerts.deliveries add column claimed_at timestamptz;

create index deliveries_sending on alerts.deliveries (family, claim_token, claim_try)
    where status = 'sending';
