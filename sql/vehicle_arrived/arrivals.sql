-- Sales whose unit arrived in the run's window: an `arrived` stage event at [window_start, window_end).
with

events as (
    select * from dms.vehicle_sale_events
),

sales as (
    select * from dms.vehicle_sales
),

customers as (
    select * from dms.customers
),

employees as (
    select * from dms.employees
),

vehicles as (
    select * from dms.vehicles
),

branches as (
    select * from dms.branches
),

arrivals as (
    select distinct on (sale_id)
        sale_id,
        at as arrived_at
    from events
    where stage = 'arrived'
      and at >= %(window_start)s
      and at < %(window_end)s
    order by sale_id, at
),

final as (
    select
        s.id as sale_id,
        s.branch_id,
        b.name as branch_name,
        s.salesperson_id,
        e.full_name as salesperson_name,
        c.legal_name as customer_name,
        s.model_description,
        v.vin,
        a.arrived_at
    from arrivals as a
    inner join sales as s on s.id = a.sale_id
    inner join customers as c on c.id = s.customer_id
    inner join employees as e on e.id = s.salesperson_id
    inner join branches as b on b.id = s.branch_id
    left join vehicles as v on v.id = s.vehicle_id
)

select * from final
order by arrived_at, sale_id
