-- Active parts out of stock in each scope unit: available stock summed over the unit is <= 0.
-- available = on_hand - reserved + incoming - outgoing pending transfers (pending, in_transit).
-- A part is considered in a unit when it has a stock row or a pending transfer in one of the
-- unit's warehouses; a part never stocked there is not "out of stock" there. A transfer between
-- two warehouses of the same unit nets to zero in it.
-- `stock` and `stock_transfers` hold the DMS's current state (fed by STOCK_SYNC): no time filter.
-- Each row names its unit in both languages (scope_label_es / scope_label_en); `warehouse` is the
-- unit's code at warehouse scope (a column of the report only there).
-- Parameters: scope ('warehouse' | 'branch' | 'dealership'), only_min_stock (bool).
with

parts as (
    select * from dms.parts
    where active
      and (not %(only_min_stock)s::boolean or min_stock > 0)
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

pending_transfers as (
    select * from dms.stock_transfers
    where status in ('pending', 'in_transit')
),

per_warehouse as (
    select
        part_id,
        warehouse_id,
        on_hand,
        reserved,
        0::numeric(12, 3) as incoming,
        0::numeric(12, 3) as outgoing
    from dms.stock
    union all
    select part_id, to_warehouse_id, 0, 0, quantity, 0
    from pending_transfers
    union all
    select part_id, from_warehouse_id, 0, 0, 0, quantity
    from pending_transfers
),

located as (
    select
        pw.*,
        case %(scope)s::text
            when 'warehouse' then w.id
            when 'branch' then w.branch_id
            else b.dealership_id
        end as scope_id
    from per_warehouse as pw
    inner join warehouses as w on w.id = pw.warehouse_id
    inner join branches as b on b.id = w.branch_id
),

by_scope as (
    select
        scope_id,
        part_id,
        sum(on_hand) as on_hand,
        sum(reserved) as reserved,
        sum(incoming) as incoming,
        sum(outgoing) as outgoing
    from located
    group by scope_id, part_id
),

scope_units as (
    select
        w.id as scope_id,
        w.code as scope_code,
        w.name as scope_name,
        w.branch_id,
        b.name as branch_name,
        b.dealership_id,
        'Depósito ' || w.code || ' - ' || w.name || ' (' || b.name || ')' as scope_label_es,
        'Warehouse ' || w.code || ' - ' || w.name || ' (' || b.name || ')' as scope_label_en
    from warehouses as w
    inner join branches as b on b.id = w.branch_id
    where %(scope)s::text = 'warehouse'
    union all
    -- branch names say what they are ("Sucursal Córdoba")
    select b.id, b.code, b.name, b.id, b.name, b.dealership_id, b.name, b.name
    from branches as b
    where %(scope)s::text = 'branch'
    union all
    select
        d.id, d.code, d.name, null, null, d.id,
        d.name || ' (todas las sucursales)', d.name || ' (all branches)'
    from dealerships as d
    where %(scope)s::text = 'dealership'
)

select
    %(scope)s::text as scope,
    u.scope_id,
    u.scope_code,
    u.scope_name,
    u.scope_label_es,
    u.scope_label_en,
    u.branch_id,
    u.branch_name,
    u.dealership_id,
    d.name as dealership_name,
    p.id as part_id,
    p.code as part_code,
    p.description,
    p.brand,
    case when %(scope)s::text = 'warehouse' then u.scope_code end as warehouse,
    p.min_stock,
    s.on_hand::numeric(12, 3) as on_hand,
    s.reserved::numeric(12, 3) as reserved,
    s.incoming::numeric(12, 3) as incoming,
    s.outgoing::numeric(12, 3) as outgoing,
    (s.on_hand - s.reserved + s.incoming - s.outgoing)::numeric(12, 3) as available
from by_scope as s
inner join parts as p on p.id = s.part_id
inner join scope_units as u on u.scope_id = s.scope_id
inner join dealerships as d on d.id = u.dealership_id
where s.on_hand - s.reserved + s.incoming - s.outgoing <= 0
order by u.scope_id, p.code
