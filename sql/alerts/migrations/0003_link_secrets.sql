-- Migration 0003: the link secrets the package provisions itself.
-- When no Airflow Variable (or secrets-backend key) of the same name is set, the secret that
-- signs unsubscribe and survey links is created once, at random, and kept here
-- (alertas_rapidas.link_secrets). `ops secrets rotate NAME` replaces it.
create table alerts.link_secrets (
    name text primary key,            -- the Variable name it stands in for, e.g. alertas_unsubscribe_secret
    value text not null check (length(value) >= 32),
    created_at timestamptz not null default now(),
    rotated_at timestamptz
);
