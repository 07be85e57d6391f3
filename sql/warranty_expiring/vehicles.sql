-- Customers' vehicles whose warranty ends on the run date + days_before, with the owner's
-- addressing (e-mail, CC, language, opt-out, active).
with

vehicles as (
    select * from dms.vehicles
    where customer_id is not null
      and warranty_until = %(run_date)s::date + %(days_before)s::int
),

customers as (
    select * from dms.customers
)

select
    v.id as vehicle_id,
    v.make,
    v.model,
    v.model_year,
    v.plate,
    v.vin,
    v.warranty_until,
    c.id as customer_id,
    c.legal_name,
    c.email,
    c.cc_emails,
    c.language,
    c.alerts_opt_out,
    c.active
from vehicles as v
inner join customers as c on c.id = v.customer_id
order by v.warranty_until, c.id, v.id
