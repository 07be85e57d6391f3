-- Workshop appointments still booked whose local date is the run date + days_before, with the
-- customer (addressing, language), the branch and the vehicle.
with

appointments as (
    select * from dms.service_appointments
    where status = 'booked'
      and (scheduled_at at time zone %(timezone)s)::date = %(run_date)s::date + %(days_before)s::int
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
    a.id as appointment_id,
    a.scheduled_at,
    a.customer_id,
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
from appointments as a
inner join customers as c on c.id = a.customer_id
inner join branches as b on b.id = a.branch_id
inner join vehicles as v on v.id = a.vehicle_id
order by a.scheduled_at, a.id
