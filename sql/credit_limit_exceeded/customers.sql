-- Customers with a credit limit whose open balance (open_amount of their issued documents,
-- foreign currencies at the latest rate dated on or before the run date) exceeds it. A document
-- in a currency with no rate yet is left out of the balance (exchange_rate_missing tells treasury).
-- Documents issued after the run date are left out, so a backfill sees what existed then.
with

dealership as (
    select local_currency from dms.dealerships order by id limit 1
),

customers as (
    select * from dms.customers
    where credit_limit is not null
),

documents as (
    select * from dms.sales_documents
    where status = 'issued'
      and open_amount > 0
      and issue_date <= %(run_date)s::date
),

employees as (
    select * from dms.employees
),

balances as (
    select
        d.customer_id,
        d.currency,
        sum(d.open_amount) as open_amount
    from documents as d
    inner join customers as c on c.id = d.customer_id
    group by d.customer_id, d.currency
),

converted as (
    select
        b.customer_id,
        b.currency,
        b.open_amount,
        case when b.currency = dl.local_currency then 1 else r.rate_to_local end as rate,
        r.rate_date
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
),

totals as (
    select
        customer_id,
        round(sum(open_amount * rate), 2) as balance
    from converted
    where rate is not null
    group by customer_id
)

select
    c.id as customer_id,
    c.code as customer_code,
    c.legal_name as customer_name,
    c.branch_id,
    c.salesperson_id,
    s.full_name as salesperson_name,
    c.credit_limit,
    t.balance,
    t.balance - c.credit_limit as excess
from totals as t
inner join customers as c on c.id = t.customer_id
left join employees as s on s.id = c.salesperson_id
where t.balance > c.credit_limit
order by t.balance - c.credit_limit desc, c.id
