-- Payment orders that became ready for pickup in the run's window and still are, with their
-- supplier (addressing, language) and branch.
-- Parameters: window_start, window_end (timestamptz, [start, end)).
with

orders as (
    select * from dms.payment_orders
    where ready_at >= %(window_start)s
      and ready_at < %(window_end)s
      and status = 'ready_for_pickup'
),

suppliers as (
    select * from dms.suppliers
),

branches as (
    select * from dms.branches
),

dealerships as (
    select * from dms.dealerships
)

select
    o.id as order_id,
    o.number,
    o.currency,
    o.amount::numeric(14, 2) as amount,
    o.ready_at,
    o.pickup_location,
    o.supplier_id,
    s.code as supplier_code,
    s.legal_name,
    s.tax_id,
    s.email,
    s.language,
    s.active,
    b.name as branch_name,
    b.email as branch_email,
    dl.name as dealership_name,
    dl.tax_id as dealership_tax_id
from orders as o
inner join suppliers as s on s.id = o.supplier_id
inner join branches as b on b.id = o.branch_id
inner join dealerships as dl on dl.id = b.dealership_id
order by o.ready_at, o.id
