-- What arrived in the window, per part and warehouse: receipts and transfers in.
-- Adjustments and returns are not arrivals.
-- Parameters: window_start, window_end (timestamptz; the window is [start, end)).
select
    m.part_id,
    m.warehouse_id,
    sum(m.quantity)::numeric(12, 3) as arrived,
    count(*) as movements,
    min(m.moved_at) as first_arrival_at,
    max(m.moved_at) as last_arrival_at,
    array_agg(m.id order by m.moved_at, m.id) as movement_ids
from dms.stock_movements as m
where m.movement_type in ('receipt', 'transfer_in')
  and m.moved_at >= %(window_start)s
  and m.moved_at < %(window_end)s
group by m.part_id, m.warehouse_id
order by m.part_id, m.warehouse_id
