-- Work orders opened in the run's window [window_start, window_end), not cancelled, whose
-- vehicle had another work order finished (finished or invoiced) within within_days days before
-- the new one was opened: the latest such order, beside the new one.
with

new_orders as (
    select * from dms.work_orders
    where opened_at >= %(window_start)s
      and opened_at < %(window_end)s
      and status <> 'cancelled'
),

finished_orders as (
    select * from dms.work_orders
    where status in ('finished', 'invoiced')
      and finished_at is not null
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
),

vehicles as (
    select * from dms.vehicles
),

employees as (
    select * from dms.employees
),

repeats as (
    select
        n.*,
        p.id as previous_id,
        p.branch_id as previous_branch_id,
        p.advisor_id as previous_advisor_id,
        p.opened_at as previous_opened_at,
        p.finished_at as previous_finished_at
    from new_orders as n
    inner join lateral (
        select f.* from finished_orders as f
        where f.vehicle_id = n.vehicle_id
          and f.id <> n.id
          and f.finished_at <= n.opened_at
          and f.finished_at >= n.opened_at - make_interval(days => %(within_days)s::int)
        order by f.finished_at desc, f.id desc
        limit 1
    ) as p on true
)

select
    r.id as work_order_id,
    r.branch_id,
    b.name as branch_name,
    r.opened_at,
    coalesce(a.full_name, '') as advisor_name,
    r.previous_id,
    pb.name as previous_branch_name,
    r.previous_opened_at,
    r.previous_finished_at,
    coalesce(pa.full_name, '') as previous_advisor_name,
    (r.opened_at at time zone %(timezone)s)::date
    - (r.previous_finished_at at time zone %(timezone)s)::date as days_between,
    c.legal_name as customer_name,
    v.make,
    v.model,
    v.plate,
    v.vin
from repeats as r
inner join customers as c on c.id = r.customer_id
inner join branches as b on b.id = r.branch_id
inner join branches as pb on pb.id = r.previous_branch_id
inner join vehicles as v on v.id = r.vehicle_id
left join employees as a on a.id = r.advisor_id
left join employees as pa on pa.id = r.previous_advisor_id
order by r.opened_at, r.id
