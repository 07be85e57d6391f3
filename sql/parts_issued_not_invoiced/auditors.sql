-- The audit managers (of a branch, or of the whole dealership when branch_id is null).
-- Inactive ones are returned too, so that the transform can say why a report was skipped.
select
    e.id as employee_id,
    e.full_name,
    e.email,
    e.branch_id,
    e.active
from dms.employees as e
where e.role = 'audit_manager'
order by e.id
