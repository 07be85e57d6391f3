-- Open quotes valid until the run date + days_before, with their customer, salesperson and branch.
with

quotes as (
    select * from dms.quotes
    where status = 'open'
      and valid_until = %(run_date)s::date + %(days_before)s::int
),

customers as (
    select * from dms.customers
),

employees as (
    select * from dms.employees
),

branches as (
    select * from dms.branches
)

select
    q.id as quote_id,
    q.number,
    q.issue_date,
    q.valid_until,
    q.currency,
    q.total::numeric(14, 2) as total,
    c.legal_name as customer_name,
    q.salesperson_id,
    s.full_name as salesperson_name,
    q.branch_id,
    b.name as branch_name
from quotes as q
inner join customers as c on c.id = q.customer_id
inner join employees as s on s.id = q.salesperson_id
inner join branches as b on b.id = q.branch_id
order by q.valid_until, q.number, q.id
