-- The items (what each order pays) of the orders that orders.sql selects, in line order.
-- Parameters: window_start, window_end, remind_before (timestamptz).
with

due_orders as (
    select id from dms.payment_orders
    where status = 'pending_authorization'
      and created_at < %(window_end)s
      and (created_at >= %(window_start)s or created_at <= %(remind_before)s)
)

select
    i.payment_order_id as order_id,
    i.line_no,
    i.supplier_invoice_number,
    i.description,
    i.amount::numeric(14, 2) as amount
from dms.payment_order_items as i
inner join due_orders as o on o.id = i.payment_order_id
order by i.payment_order_id, i.line_no
