-- Overdue CRM contacts: still scheduled, not completed, scheduled on or before the run date
-- minus days_overdue, with their customer, branch and owner (the owner's name is for display:
-- the owner and the owner's manager are found in the engine's roster of employees by owner_id).
-- The contact's current state decides, as for any call to action: a backfill of a past date
-- leaves out a contact done (or cancelled) since then, which no longer needs anyone.
-- Parameters: run_date (date), days_overdue (int).
with

contacts as (
    select * from dms.crm_contacts
    where status = 'scheduled'
      and completed_at is null
      and scheduled_for <= %(run_date)s::date - %(days_overdue)s::int
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
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
    c.owner_id,
    o.full_name as owner_name
from contacts as c
inner join customers as cu on cu.id = c.customer_id
inner join branches as b on b.id = c.branch_id
inner join employees as o on o.id = c.owner_id
order by c.scheduled_for, c.id
