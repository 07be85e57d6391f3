-- The staff who may receive an out-of-stock report: parts managers (of a branch, or of the whole
-- dealership when branch_id is null) and general managers (the dealership-scope fallback).
-- Inactive ones are returned too, so that the transform can say why a report was skipped.
select
    e.id as employee_id,
    e.full_name,
    e.email,
    e.role,
    e.branch_id,
    e.active
from dms.employees as e
where e.role in ('parts_manager', 'general_manager')
order by e.id
