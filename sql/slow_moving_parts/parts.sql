-- Stock lying idle: a part with on_hand > 0 in a warehouse and no `issue` movement of that part
-- out of that warehouse on the local dates (run_date - idle_days, run_date], valued at the part's
-- unit_cost; with the local date of its last issue there, if any (on or before run_date).
-- `stock` is the DMS's current state: a backfill values today's stock.
with

stock as (
    select * from dms.stock
    where on_hand > 0
),

parts as (
    select * from dms.parts
),

warehouses as (
    select * from dms.warehouses
),

branches as (
    select * from dms.branches
),

issues as (
    select
        part_id,
        warehouse_id,
        (moved_at at time zone %(timezone)s)::date as issue_date
    from dms.stock_movements
    where movement_type = 'issue'
      and (moved_at at time zone %(timezone)s)::date <= %(run_date)s::date
),

last_issues as (
    select part_id, warehouse_id, max(issue_date) as last_issue
    from issues
    group by part_id, warehouse_id
)

select
    w.branch_id,
    b.code as branch_code,
    b.name as branch_name,
    s.part_id,
    p.code as part_code,
    p.description,
    w.code as warehouse,
    s.on_hand,
    p.unit_cost,
    (s.on_hand * p.unit_cost)::numeric(14, 2) as stock_value,
    li.last_issue
from stock as s
inner join parts as p on p.id = s.part_id
inner join warehouses as w on w.id = s.warehouse_id
inner join branches as b on b.id = w.branch_id
left join last_issues as li on li.part_id = s.part_id and li.warehouse_id = s.warehouse_id
where li.last_issue is null
   or li.last_issue <= %(run_date)s::date - %(idle_days)s::int
order by w.branch_id, (s.on_hand * p.unit_cost) desc, p.code, w.code
