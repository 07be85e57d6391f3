-- Every employee, active or not, for the recipient rules of configured families (role holders,
-- named employees, managers): inactive ones are read so that a skip can say why.
select
    e.id as employee_id,
    e.full_name,
    e.email,
    e.role,
    e.branch_id,
    e.manager_id,
    e.active
from dms.employees as e
order by e.id
