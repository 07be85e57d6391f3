-- What each payment order selected by orders.sql pays (same filter), in line order.
-- Parameters: window_start, window_end (timestamptz, [start, end)).
with

orders as (
    select id from dms.payment_orders
    where ready_at >= %(window_start)s
      and ready_at < %(window_end)s
      and status = 'ready_for_pickup'
)

select
    i.payment_order_id as order_id,
    i.line_no,
    i.supplier_invoice_number,
    i.description,
    i.amount::numeric(14, 2) as amount
from dms.payment_order_items as i
inner join orders as o on o.id = i.payment_order_id
order by i.payment_order_id, i.line_no
