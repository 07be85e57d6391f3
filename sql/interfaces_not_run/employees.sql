-- Who may be told about a stale interface: the owners of the watched interfaces (whatever their
-- state, so that an inactive owner or one without e-mail is reported as skipped) and the active
-- holders of the configured roles.
-- Parameters: codes (text[]), roles (text[]).
with

employees as (
    select * from dms.employees
),

owners as (
    select distinct owner_id as employee_id
    from dms.interfaces
    where code = any(%(codes)s)
      and owner_id is not null
)

select
    e.id as employee_id,
    e.full_name,
    e.email,
    e.role,
    e.active
from employees as e
where e.id in (select employee_id from owners)
   or (e.active and e.role = any(%(roles)s))
order by e.id
