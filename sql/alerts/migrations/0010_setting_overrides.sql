-- Migration 0010 (issue 25, tune an alert without a deploy): overrides of a family's settings and
-- recipients, kept in the package's database. The family file stays the definition and the
-- default; each row is one change of one field, never updated or deleted: the history of who
-- changed what, when, why and what it was before. A run applies the latest row of each field
-- changed at or before its instant T (a `set` replaces or adds to the file's value, an `unset`
-- goes back to it), so a backfill of a past date uses the values of that date.
--
-- `version` numbers a family's changes (one save of several fields shares one); a save names the
-- version it was made from and is refused when another was saved since (no lost update).
-- Switching a family off or on is a mute (alerts.mutes, one mechanism): `end_reason` says why it
-- was switched back on. Idempotent, so that renumbering it re-applies nothing.
create table if not exists alerts.setting_overrides (
    id bigserial primary key,
    family text not null,
    version integer not null check (version > 0),
    field text not null,                       -- settings.<name>, cc, bcc, recipients.<stage>.<to|cc|bcc>
    action text not null check (action in ('set', 'unset')),
    merge text check (merge in ('replace', 'add')),
    value jsonb,                               -- set: the value as the YAML would give it
    previous jsonb not null,                   -- what was in force before: {source, value, merge}
    changed_by text not null,
    changed_at timestamptz not null default now(),
    reason text not null check (length(trim(reason)) > 0),
    reverts bigint references alerts.setting_overrides (id),
    unique (family, version, field),
    check ((action = 'set') = (value is not null and merge is not null))
);

create index if not exists setting_overrides_family on alerts.setting_overrides (family, changed_at);

alter table alerts.mutes add column if not exists end_reason text;
