-- Documents (VTV inspection, insurance, registration) of customers' vehicles expiring on the run
-- date + days_before, with the vehicle and the owner's addressing.
with

documents as (
    select * from dms.vehicle_documents
    where expires_on = %(run_date)s::date + %(days_before)s::int
),

vehicles as (
    select * from dms.vehicles
    where customer_id is not null
),

customers as (
    select * from dms.customers
)

select
    d.vehicle_id,
    d.doc_type,
    d.expires_on,
    d.reference,
    v.make,
    v.model,
    v.model_year,
    v.plate,
    c.id as customer_id,
    c.legal_name,
    c.email,
    c.cc_emails,
    c.language,
    c.alerts_opt_out,
    c.active
from documents as d
inner join vehicles as v on v.id = d.vehicle_id
inner join customers as c on c.id = v.customer_id
order by d.expires_on, c.id, d.vehicle_id, d.doc_type
