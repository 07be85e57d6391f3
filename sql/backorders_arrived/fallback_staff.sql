-- The employees of the fallback role (of a branch, or of the whole dealership when branch_id is
-- null): who hears of an arrival when the order's salesperson cannot.
-- Parameters: fallback_role (text).
select
    e.id as employee_id,
    e.full_name,
    e.email,
    e.branch_id,
    e.active
from dms.employees as e
where e.role = %(fallback_role)s::text
order by e.id
