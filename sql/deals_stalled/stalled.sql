-- Open sales (stage not delivered or cancelled) in their current stage since before
-- T - max_days[stage]; a stage missing from max_days is never stalled. Longest in stage first.
with

sales as (
    select * from dms.vehicle_sales
    where stage not in ('delivered', 'cancelled')
),

limits as (
    select
        key as stage,
        value::int as allowed_days
    from jsonb_each_text(%(max_days)s::jsonb)
),

customers as (
    select * from dms.customers
),

employees as (
    select * from dms.employees
),

stalled as (
    select
        s.*,
        l.allowed_days,
        %(run_date)s::date - (s.stage_since at time zone %(timezone)s)::date as days_in_stage
    from sales as s
    inner join limits as l on l.stage = s.stage
    where s.stage_since < %(at)s::timestamptz - make_interval(days => l.allowed_days)
),

final as (
    select
        s.id as sale_id,
        s.branch_id,
        s.salesperson_id,
        e.full_name as salesperson_name,
        c.legal_name as customer_name,
        s.model_description,
        s.stage,
        case s.stage
            when 'ordered' then 'Pedida a fábrica'
            when 'arrived' then 'Arribada'
            when 'documentation' then 'Documentación'
            when 'financing' then 'Financiación'
            when 'registration' then 'Patentamiento'
            when 'ready_for_delivery' then 'Lista para entregar'
        end as stage_label_es,
        case s.stage
            when 'ordered' then 'Ordered'
            when 'arrived' then 'Arrived'
            when 'documentation' then 'Documentation'
            when 'financing' then 'Financing'
            when 'registration' then 'Registration'
            when 'ready_for_delivery' then 'Ready for delivery'
        end as stage_label_en,
        s.stage_since,
        s.days_in_stage,
        s.allowed_days
    from stalled as s
    inner join customers as c on c.id = s.customer_id
    inner join employees as e on e.id = s.salesperson_id
)

select * from final
order by days_in_stage desc, sale_id
