-- Stock adjustments moved in the window whose value at the part's current unit cost reaches
-- min_value. Adjustments carry no sign (quantity > 0 either way), so both directions count.
with

adjustments as (
    select * from dms.stock_movements
    where movement_type = 'adjustment'
      and moved_at >= %(window_start)s
      and moved_at < %(window_end)s
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

employees as (
    select * from dms.employees
),

valued as (
    select
        a.*,
        p.code as part_code,
        p.description,
        p.unit_cost,
        (a.quantity * p.unit_cost)::numeric(14, 2) as adjustment_value
    from adjustments as a
    inner join parts as p on p.id = a.part_id
)

select
    v.id as movement_id,
    v.moved_at,
    v.part_code,
    v.description,
    w.code as warehouse,
    b.name as branch_name,
    v.quantity,
    v.unit_cost,
    v.adjustment_value,
    e.full_name as employee
from valued as v
inner join warehouses as w on w.id = v.warehouse_id
inner join branches as b on b.id = w.branch_id
left join employees as e on e.id = v.employee_id
where v.adjustment_value >= %(min_value)s
order by v.adjustment_value desc, v.moved_at, v.id
