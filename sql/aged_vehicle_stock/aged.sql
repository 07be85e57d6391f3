-- Vehicles in dealer stock (in_stock_since set, no customer) aged D - in_stock_since days, at
-- least the lowest of `thresholds`; each in the bucket of the highest threshold reached
-- ("60–89", "90–119", "120+"). Oldest first.
with

vehicles as (
    select * from dms.vehicles
    where in_stock_since is not null
      and customer_id is null
),

branches as (
    select * from dms.branches
),

thresholds as (
    select distinct unnest(%(thresholds)s::int[]) as days
),

aged as (
    select
        v.*,
        %(run_date)s::date - v.in_stock_since as days_in_stock
    from vehicles as v
),

bucketed as (
    select
        a.*,
        (select max(t.days) from thresholds as t where t.days <= a.days_in_stock) as bucket_from,
        (select min(t.days) from thresholds as t where t.days > a.days_in_stock) as bucket_next
    from aged as a
),

final as (
    select
        v.id as vehicle_id,
        v.branch_id,
        b.code as branch_code,
        v.vin,
        v.make,
        v.model,
        v.model_year,
        case v.condition when 'new' then 'Nuevo' else 'Usado' end as condition_label_es,
        case v.condition when 'new' then 'New' else 'Used' end as condition_label_en,
        v.in_stock_since,
        v.days_in_stock,
        case
            when v.bucket_next is null then v.bucket_from || '+'
            else v.bucket_from || '–' || (v.bucket_next - 1)
        end as bucket,
        v.stock_cost
    from bucketed as v
    left join branches as b on b.id = v.branch_id
    where v.bucket_from is not null
)

select * from final
order by days_in_stock desc, vin
