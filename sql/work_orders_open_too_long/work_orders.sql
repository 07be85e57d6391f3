-- Work orders still open max_open_days days or more after the local date they were opened,
-- grouped by branch, oldest first.
with

work_orders as (
    select
        *,
        (opened_at at time zone %(timezone)s)::date as opened_on
    from dms.work_orders
    where status = 'open'
),

overdue as (
    select * from work_orders
    where %(run_date)s::date - opened_on >= %(max_open_days)s::int
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
)

select
    w.id::text as work_order,
    w.branch_id,
    b.code as branch_code,
    b.name as branch_name,
    w.opened_on,
    %(run_date)s::date - w.opened_on as days_open,
    c.legal_name as customer_name,
    concat_ws(' ', v.make, v.model, v.plate) as vehicle,
    coalesce(e.full_name, '') as advisor_name
from overdue as w
inner join customers as c on c.id = w.customer_id
inner join branches as b on b.id = w.branch_id
inner join vehicles as v on v.id = w.vehicle_id
left join employees as e on e.id = w.advisor_id
order by w.branch_id, w.opened_at, w.id
