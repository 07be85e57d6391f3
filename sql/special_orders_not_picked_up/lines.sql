-- Order lines whose parts are reserved for the customer and not yet picked up, reserved on a local
-- date remind_customer_after_days or more before run_date, of orders not cancelled; with the
-- customer's address, language and alert flags, the order's salesperson and branch.
-- The lines' current state decides: a backfill leaves out lines delivered since.
with

lines as (
    select * from dms.customer_order_lines
    where status = 'reserved'
      and reserved_at is not null
      and (reserved_at at time zone %(timezone)s)::date
          <= %(run_date)s::date - %(remind_customer_after_days)s::int
),

orders as (
    select * from dms.customer_orders
    where status <> 'cancelled'
),

customers as (
    select * from dms.customers
),

parts as (
    select * from dms.parts
),

branches as (
    select * from dms.branches
),

employees as (
    select * from dms.employees
)

select
    l.order_id,
    l.line_no,
    p.code as part_code,
    p.description,
    l.quantity_ordered as quantity,
    l.reserved_at,
    (%(run_date)s::date - (l.reserved_at at time zone %(timezone)s)::date) as days_waiting,
    o.branch_id,
    b.name as branch_name,
    b.email as branch_email,
    o.salesperson_id,
    s.full_name as salesperson_name,
    c.id as customer_id,
    c.legal_name,
    c.email,
    c.cc_emails,
    c.language,
    c.active,
    c.alerts_opt_out
from lines as l
inner join orders as o on o.id = l.order_id
inner join customers as c on c.id = o.customer_id
inner join parts as p on p.id = l.part_id
inner join branches as b on b.id = o.branch_id
left join employees as s on s.id = o.salesperson_id
order by l.reserved_at, l.order_id, l.line_no
