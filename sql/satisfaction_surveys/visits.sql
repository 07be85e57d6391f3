-- Sales delivered and work orders invoiced whose local date (delivered_at, finished_at) is
-- days_after days before the run date, with their customer. survey_ref ("sale:<id>",
-- "wo:<id>") is what the mail signs into the survey link; it is never shown as it is.
with

day as (
    select
        (%(run_date)s::date - %(days_after)s::int)::timestamp at time zone %(timezone)s as starts_at,
        (%(run_date)s::date - %(days_after)s::int + 1)::timestamp at time zone %(timezone)s as ends_at
),

sales as (
    select s.*
    from dms.vehicle_sales as s
    cross join day
    where s.stage = 'delivered'
      and s.delivered_at >= day.starts_at
      and s.delivered_at < day.ends_at
),

work_orders as (
    select w.*
    from dms.work_orders as w
    cross join day
    where w.status = 'invoiced'
      and w.finished_at >= day.starts_at
      and w.finished_at < day.ends_at
),

vehicles as (
    select * from dms.vehicles
),

visits as (
    select
        'sale' as kind,
        'sale:' || s.id as survey_ref,
        s.id as record_id,
        s.customer_id,
        s.branch_id,
        s.model_description as vehicle,
        v.plate,
        s.delivered_at as visited_at
    from sales as s
    left join vehicles as v on v.id = s.vehicle_id
    union all
    select
        'work_order' as kind,
        'wo:' || w.id as survey_ref,
        w.id as record_id,
        w.customer_id,
        w.branch_id,
        v.make || ' ' || v.model as vehicle,
        v.plate,
        w.finished_at as visited_at
    from work_orders as w
    inner join vehicles as v on v.id = w.vehicle_id
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
)

select
    vi.kind,
    vi.survey_ref,
    vi.customer_id,
    c.legal_name,
    c.email,
    c.cc_emails,
    c.language,
    c.active,
    c.alerts_opt_out,
    b.name as branch_name,
    vi.vehicle,
    vi.plate,
    vi.visited_at
from visits as vi
inner join customers as c on c.id = vi.customer_id
inner join branches as b on b.id = vi.branch_id
order by vi.visited_at, vi.kind, vi.record_id
