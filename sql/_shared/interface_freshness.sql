-- The last successful run of each requested interface finished at or before the run instant T.
-- Runs finishing after T are ignored, so a backfill judges freshness as it was at T.
-- Parameters: codes (text[]), at (timestamptz).
with

interfaces as (
    select * from dms.interfaces
    where code = any(%(codes)s)
),

successes as (
    select interface_id, max(finished_at) as last_success
    from dms.interface_runs
    where status = 'succeeded'
      and finished_at <= %(at)s
      and interface_id in (select id from interfaces)
    group by interface_id
)

select
    i.id as interface_id,
    i.code,
    i.name,
    i.owner_id,
    s.last_success
from interfaces as i
left join successes as s on s.interface_id = i.id
order by i.code
