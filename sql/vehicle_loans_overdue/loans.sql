-- Demo and courtesy cars lent out, not returned, whose due_back_at is before the run's instant,
-- with the vehicle, the employee who lent it, the customer who has it (courtesy) and the branch.
with

loans as (
    select * from dms.vehicle_loans
    where returned_at is null
      and due_back_at < %(at)s
),

vehicles as (
    select * from dms.vehicles
),

employees as (
    select * from dms.employees
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
)

select
    l.id as loan_id,
    l.loan_type,
    l.out_at,
    l.due_back_at,
    (%(run_date)s::date - (l.due_back_at at time zone %(timezone)s)::date) as days_overdue,
    v.make,
    v.model,
    v.plate,
    v.vin,
    l.employee_id,
    e.full_name as employee_name,
    c.legal_name as customer_name,
    l.branch_id,
    b.name as branch_name
from loans as l
inner join vehicles as v on v.id = l.vehicle_id
inner join employees as e on e.id = l.employee_id
left join customers as c on c.id = l.customer_id
inner join branches as b on b.id = l.branch_id
order by l.due_back_at, l.id
