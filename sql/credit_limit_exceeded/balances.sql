-- The open balance of each listed customer by currency, with the rate it was converted at
-- (the latest on or before the run date; none for the local currency).
with

dealership as (
    select local_currency from dms.dealerships order by id limit 1
),

documents as (
    select * from dms.sales_documents
    where status = 'issued'
      and open_amount > 0
      and issue_date <= %(run_date)s::date
      and customer_id = any(%(parent_keys)s)
),

balances as (
    select
        customer_id,
        currency,
        count(*) as documents,
        sum(open_amount) as open_amount
    from documents
    group by customer_id, currency
)

select
    b.customer_id,
    b.currency,
    b.documents,
    b.open_amount,
    case when b.currency = dl.local_currency then null else r.rate_to_local end as rate,
    case when b.currency = dl.local_currency then null else r.rate_date end as rate_date,
    round(b.open_amount * case when b.currency = dl.local_currency then 1 else r.rate_to_local end, 2)
        as local_amount
from balances as b
cross join dealership as dl
left join lateral (
    select x.rate_to_local, x.rate_date
    from dms.exchange_rates as x
    where x.currency = b.currency
      and x.rate_date <= %(run_date)s::date
    order by x.rate_date desc
    limit 1
) as r on true
order by b.customer_id, b.currency = dl.local_currency desc, b.currency
