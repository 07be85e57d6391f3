-- Active holders of the fallback role: who receives an order whose own authorizer cannot.
-- branch_id null means the employee serves the whole dealership.
-- Parameters: fallback_role (text).
select
    e.id as employee_id,
    e.branch_id,
    e.full_name,
    e.email
from dms.employees as e
where e.role = %(fallback_role)s
  and e.active
order by e.id
