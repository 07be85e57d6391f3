-- Payment orders waiting for authorization that this run mails about, one row per order:
--   kind 'request':  created in the run's window [window_start, window_end);
--   kind 'reminder': created before the window and at least remind_after_hours before T
--                    (created_at <= remind_before), so a request and a reminder never meet.
-- Only orders still pending_authorization are read: an order authorized or rejected since
-- needs no request and no reminder, not even in a backfill (and the DMS keeps no rejection
-- instant from which "pending at T" could be rebuilt).
-- Parameters: window_start, window_end, remind_before (timestamptz).
with

payment_orders as (
    select * from dms.payment_orders
    where status = 'pending_authorization'
      and created_at < %(window_end)s
),

branches as (
    select * from dms.branches
),

dealerships as (
    select * from dms.dealerships
),

suppliers as (
    select * from dms.suppliers
),

employees as (
    select * from dms.employees
),

due as (
    select
        o.*,
        case when o.created_at >= %(window_start)s then 'request' else 'reminder' end as kind
    from payment_orders as o
    where o.created_at >= %(window_start)s
       or o.created_at <= %(remind_before)s
)

select
    o.id as order_id,
    o.kind,
    o.number,
    o.currency,
    o.amount::numeric(14, 2) as amount,
    o.created_at,
    o.branch_id,
    b.name as branch_name,
    d.name as dealership_name,
    d.tax_id as dealership_tax_id,
    s.legal_name as supplier_name,
    s.tax_id as supplier_tax_id,
    o.authorizer_id,
    a.full_name as authorizer_name,
    a.email as authorizer_email,
    a.active as authorizer_active
from due as o
inner join branches as b on b.id = o.branch_id
inner join dealerships as d on d.id = b.dealership_id
inner join suppliers as s on s.id = o.supplier_id
left join employees as a on a.id = o.authorizer_id
order by o.created_at, o.id
