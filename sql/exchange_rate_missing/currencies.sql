-- Foreign currencies of issued sales documents dated in the last 30 days (run date - 30, run
-- date] that have no exchange rate for the run date: how many documents, and the latest rate
-- known. exchange_rates has no load time, so a backfill sees the rates loaded since.
with

dealership as (
    select local_currency from dms.dealerships order by id limit 1
),

documents as (
    select * from dms.sales_documents
    where status = 'issued'
      and issue_date > %(run_date)s::date - 30
      and issue_date <= %(run_date)s::date
),

currencies as (
    select * from dms.currencies
),

rates as (
    select * from dms.exchange_rates
),

in_use as (
    select
        d.currency,
        count(*) as documents
    from documents as d
    cross join dealership as dl
    where d.currency <> dl.local_currency
    group by d.currency
)

select
    u.currency,
    c.name as currency_name,
    u.documents,
    last.rate_date as last_rate_date,
    last.rate_to_local as last_rate
from in_use as u
inner join currencies as c on c.code = u.currency
left join lateral (
    select r.rate_date, r.rate_to_local
    from rates as r
    where r.currency = u.currency
      and r.rate_date <= %(run_date)s::date
    order by r.rate_date desc
    limit 1
) as last on true
where not exists (
    select 1 from rates as r
    where r.currency = u.currency
      and r.rate_date = %(run_date)s::date
)
order by u.currency
