-- Appointments marked no_show whose local date is the day before the run date, with the
-- customer and vehicle for the advisor to call back.
with

appointments as (
    select * from dms.service_appointments
    where status = 'no_show'
      and (scheduled_at at time zone %(timezone)s)::date = %(run_date)s::date - 1
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
    a.branch_id,
    a.scheduled_at,
    to_char(a.scheduled_at at time zone %(timezone)s, 'HH24:MI') as scheduled_time,
    c.legal_name as customer_name,
    coalesce(c.email, '') as customer_email,
    concat_ws(' ', v.make, v.model, v.plate) as vehicle,
    b.name as branch_name
from appointments as a
inner join customers as c on c.id = a.customer_id
inner join branches as b on b.id = a.branch_id
inner join vehicles as v on v.id = a.vehicle_id
order by a.scheduled_at, a.id
