-- The package's own state (database `alerts`) about D - 1 (checked_date):
-- - run_problem: non-dry runs of D - 1 that recorded problems, or did not finish planning
--   (complete false), or were held back by stale data;
-- - messages: ledger messages failed, unknown or deferred updated in [T - 24 h, T), per family
--   and status;
-- - ran: the families that recorded a non-dry run for D - 1 (the transform compares them with
--   the families due that day; these rows are not reported);
-- - off / muted: the families switched off (an open-ended mute, `at` its start) or muted until a
--   time (`at` its end) at T, with who and why: their runs send nothing.
with

checked as (
    select %(run_date)s::date - 1 as checked_date
),

runs as (
    select r.*
    from alerts.runs as r
    cross join checked
    where r.run_date = checked.checked_date
      and not r.dry_run
),

deliveries as (
    select * from alerts.deliveries
    where status in ('failed', 'unknown', 'deferred')
      and updated_at >= %(at)s::timestamptz - interval '24 hours'
      and updated_at < %(at)s::timestamptz
),

run_problems as (
    select
        'run_problem' as kind,
        r.family,
        coalesce(
            nullif(
                (select string_agg(p, '; ') from jsonb_array_elements_text(r.summary -> 'problems') as p),
                ''
            ),
            case
                when r.summary ? 'held_back' then 'held back: stale interface data, nothing was sent'
                else 'extract or transform did not finish: nothing was delivered'
            end
        ) as detail,
        null::int as messages,
        r.finished_at as at
    from runs as r
    where jsonb_array_length(coalesce(r.summary -> 'problems', '[]'::jsonb)) > 0
       or (r.summary ->> 'complete') = 'false'
       or r.summary ? 'held_back'
),

message_problems as (
    select
        'messages' as kind,
        d.family,
        d.status as detail,
        count(*)::int as messages,
        max(d.updated_at) as at
    from deliveries as d
    group by d.family, d.status
),

mutes as (
    select * from alerts.mutes
    where muted_from <= %(at)s::timestamptz
      and (muted_until is null or %(at)s::timestamptz < muted_until)
      and (ended_at is null or %(at)s::timestamptz < ended_at)
),

switched_off as (
    select
        case when m.muted_until is null then 'off' else 'muted' end as kind,
        m.family,
        m.muted_by || ': ' || m.reason as detail,
        null::int as messages,
        coalesce(m.muted_until, m.muted_from) as at
    from mutes as m
),

ran as (
    select distinct
        'ran' as kind,
        r.family,
        null as detail,
        null::int as messages,
        null::timestamptz as at
    from runs as r
),

found as (
    select * from run_problems
    union all
    select * from message_problems
    union all
    select * from switched_off
    union all
    select * from ran
)

select
    f.kind,
    f.family,
    checked.checked_date,
    f.detail,
    f.messages,
    f.at
from found as f
cross join checked
order by
    case f.kind when 'run_problem' then 1 when 'messages' then 2 when 'off' then 3 when 'muted' then 4 else 5 end,
    f.family,
    f.detail
