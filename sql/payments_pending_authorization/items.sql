-- What each payment order of orders.sql pays, in line order.
-- Parameters: parent_keys (bigint[]: the order ids orders.sql returned).
select
    i.payment_order_id as order_id,
    i.line_no,
    i.supplier_invoice_number,
    i.description,
    i.amount::numeric(14, 2) as amount
from dms.payment_order_items as i
where i.payment_order_id = any(%(parent_keys)s)
order by i.payment_order_id, i.line_no
