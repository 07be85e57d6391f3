-- Overdue CRM contacts: still scheduled, not completed, scheduled on or before scheduled_until
-- (run date - days_overdue), with their customer, branch, owner and the owner's manager.
-- The contact's current state decides, as for any call to action: a backfill of a past date
-- leaves out a contact done (or cancelled) since then, which no longer needs anyone.
-- Parameters: run_date (date), scheduled_until (date).
with

contacts as (
    select * from dms.crm_contacts
    where status = 'scheduled'
      and completed_at is null
      and scheduled_for <= %(scheduled_until)s
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
),

dealerships as (
    select * from dms.dealerships
),

employees as (
    select * from dms.employees
)

select
    c.id as contact_id,
    c.contact_type,
    c.scheduled_for,
    (%(run_date)s::date - c.scheduled_for) as days_overdue,
    cu.code as customer_code,
    cu.legal_name as customer_name,
    b.name as branch_name,
    d.name as dealership_name,
    c.owner_id,
    o.full_name as owner_name,
    o.email as owner_email,
    o.active as owner_active,
    o.manager_id,
    m.full_name as manager_name,
    m.email as manager_email,
    m.active as manager_active
from contacts as c
inner join customers as cu on cu.id = c.customer_id
inner join branches as b on b.id = c.branch_id
inner join dealerships as d on d.id = b.dealership_id
inner join employees as o on o.id = c.owner_id
left join employees as m on m.id = o.manager_id
order by c.scheduled_for, c.id
