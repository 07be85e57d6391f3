-- Work orders finished in the run's window [window_start, window_end) and still finished or
-- invoiced, with the customer (addressing, language), the branch and the vehicle.
with

work_orders as (
    select * from dms.work_orders
    where finished_at >= %(window_start)s
      and finished_at < %(window_end)s
      and status in ('finished', 'invoiced')
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
),

vehicles as (
    select * from dms.vehicles
)

select
    w.id as work_order_id,
    w.finished_at,
    w.customer_id,
    c.legal_name,
    c.email,
    c.cc_emails,
    c.language,
    c.active,
    c.alerts_opt_out,
    b.name as branch_name,
    v.make,
    v.model,
    v.plate
from work_orders as w
inner join customers as c on c.id = w.customer_id
inner join branches as b on b.id = w.branch_id
inner join vehicles as v on v.id = w.vehicle_id
order by w.finished_at, w.id
