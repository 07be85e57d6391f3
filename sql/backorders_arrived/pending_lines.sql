-- Back-ordered lines that an arrival of the window may fill: quantity_pending > 0, line pending
-- or reserved, order open and created before the window's end, same part and warehouse as an
-- arrival of the window. In allocation order: oldest order first (created_at, id), then line_no.
-- Order status and quantity_pending are the DMS's current state: a backfill of a past window
-- leaves out lines delivered since.
-- Parameters: window_start, window_end (timestamptz; the window is [start, end)).
with

arrived as (
    select distinct part_id, warehouse_id
    from dms.stock_movements
    where movement_type in ('receipt', 'transfer_in')
      and moved_at >= %(window_start)s
      and moved_at < %(window_end)s
),

orders as (
    select * from dms.customer_orders
    where status = 'open'
      and created_at < %(window_end)s
),

lines as (
    select l.*
    from dms.customer_order_lines as l
    inner join arrived as a on a.part_id = l.part_id and a.warehouse_id = l.warehouse_id
    where l.quantity_pending > 0
      and l.status in ('pending', 'reserved')
),

customers as (
    select * from dms.customers
),

parts as (
    select * from dms.parts
),

warehouses as (
    select * from dms.warehouses
),

branches as (
    select * from dms.branches
),

dealerships as (
    select * from dms.dealerships
),

employees as (
    select * from dms.employees
)

select
    o.id as order_id,
    o.created_at as order_created_at,
    l.line_no,
    l.part_id,
    l.warehouse_id,
    l.quantity_ordered,
    l.quantity_pending,
    c.id as customer_id,
    c.code as customer_code,
    c.legal_name as customer_name,
    c.email as customer_email,
    p.code as part_code,
    p.description as part_description,
    w.code as warehouse_code,
    w.name as warehouse_name,
    o.branch_id,
    b.name as branch_name,
    d.name as dealership_name,
    o.salesperson_id,
    s.full_name as salesperson_name,
    s.email as salesperson_email,
    coalesce(s.active, false) as salesperson_active
from lines as l
inner join orders as o on o.id = l.order_id
inner join customers as c on c.id = o.customer_id
inner join parts as p on p.id = l.part_id
inner join warehouses as w on w.id = l.warehouse_id
inner join branches as b on b.id = o.branch_id
inner join dealerships as d on d.id = b.dealership_id
left join employees as s on s.id = o.salesperson_id
order by l.part_id, l.warehouse_id, o.created_at, o.id, l.line_no
