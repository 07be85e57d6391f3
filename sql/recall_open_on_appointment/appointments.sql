-- Booked appointments from the run's instant up to the local date run_date + days_ahead whose
-- vehicle has an open recall: one row per appointment and open campaign.
with

appointments as (
    select * from dms.service_appointments
    where status = 'booked'
      and scheduled_at >= %(at)s
      and (scheduled_at at time zone %(timezone)s)::date <= %(run_date)s::date + %(days_ahead)s::int
),

open_recalls as (
    select * from dms.recall_vehicles
    where status = 'open'
),

campaigns as (
    select * from dms.recall_campaigns
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
    b.name as branch_name,
    a.scheduled_at,
    k.code as campaign_code,
    k.title as campaign_title,
    k.opened_on,
    c.legal_name as customer_name,
    v.make,
    v.model,
    v.plate,
    v.vin
from appointments as a
inner join open_recalls as r on r.vehicle_id = a.vehicle_id
inner join campaigns as k on k.id = r.campaign_id
inner join customers as c on c.id = a.customer_id
inner join branches as b on b.id = a.branch_id
inner join vehicles as v on v.id = a.vehicle_id
order by a.scheduled_at, a.id, k.code
