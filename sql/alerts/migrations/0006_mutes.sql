-- Migration 0006: muting a family for a while (who, why, until when).
-- A run whose instant T falls in a mute period renders and sends nothing; its summary counts the
-- messages it held back (`muted`) and names the mute. Nothing is caught up when the period ends:
-- the next run sends what is due then. Rows are never deleted: ending a mute early sets ended_at.
create table alerts.mutes (
    id bigserial primary key,
    family text not null,
    muted_from timestamptz not null default now(),
    muted_until timestamptz,          -- null: until someone ends it
    muted_by text not null,
    reason text not null check (length(trim(reason)) > 0),
    ended_at timestamptz,
    ended_by text,
    check (muted_until is null or muted_until > muted_from)
);

create index mutes_family on alerts.mutes (family, muted_from);
