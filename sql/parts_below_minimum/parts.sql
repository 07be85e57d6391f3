-- Active parts with a minimum stock whose available stock summed over the dealership is above
-- zero and below that minimum (at zero or below, parts_out_of_stock reports them).
-- available = on_hand - reserved + incoming - outgoing pending transfers (pending, in_transit);
-- a transfer between two of the dealership's warehouses nets to zero in it, so only stock counts.
-- `stock` is the DMS's current state: no time filter.
with

parts as (
    select * from dms.parts
    where active
      and min_stock > 0
),

stock as (
    select * from dms.stock
),

pending_transfers as (
    select * from dms.stock_transfers
    where status in ('pending', 'in_transit')
),

per_warehouse as (
    select part_id, on_hand - reserved as available
    from stock
    union all
    select part_id, quantity
    from pending_transfers
    union all
    select part_id, -quantity
    from pending_transfers
),

by_part as (
    select part_id, sum(available) as available
    from per_warehouse
    group by part_id
)

select
    p.id as part_id,
    p.code as part_code,
    p.description,
    p.brand,
    s.available::numeric(12, 3) as available,
    p.min_stock,
    (p.min_stock - s.available)::numeric(12, 3) as missing
from by_part as s
inner join parts as p on p.id = s.part_id
where s.available > 0
  and s.available < p.min_stock
order by (p.min_stock - s.available) / p.min_stock desc, p.code
