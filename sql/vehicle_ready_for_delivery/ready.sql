-- Sales that became ready for delivery in the run's window (a `ready_for_delivery` stage event at
-- [window_start, window_end)) and are not cancelled now, with the customer's addressing columns.
-- salesperson_reachable: the salesperson can be copied (active, an address that looks usable);
-- when not, the branch's sales manager is copied instead.
with

events as (
    select * from dms.vehicle_sale_events
),

sales as (
    select * from dms.vehicle_sales
    where stage <> 'cancelled'
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

ready as (
    select distinct on (sale_id)
        sale_id,
        at as ready_at
    from events
    where stage = 'ready_for_delivery'
      and at >= %(window_start)s
      and at < %(window_end)s
    order by sale_id, at
),

final as (
    select
        s.id as sale_id,
        s.branch_id,
        b.name as branch_name,
        b.email as branch_email,
        s.customer_id,
        c.legal_name as customer_name,
        c.email,
        c.cc_emails,
        c.language,
        c.active,
        c.alerts_opt_out,
        s.salesperson_id,
        e.full_name as salesperson_name,
        coalesce(e.active and e.email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$', false)
            as salesperson_reachable,
        s.model_description,
        v.vin,
        v.plate,
        r.ready_at
    from ready as r
    inner join sales as s on s.id = r.sale_id
    inner join customers as c on c.id = s.customer_id
    inner join employees as e on e.id = s.salesperson_id
    inner join branches as b on b.id = s.branch_id
    left join vehicles as v on v.id = s.vehicle_id
)

select * from final
order by ready_at, sale_id
