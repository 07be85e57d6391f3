-- Customers that have any current-account movement before the end of the statement period,
-- with what the statement header and the skip rules need.
-- Parameters: period_end (date, exclusive), account_types (text[]).
with

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
),

dealerships as (
    select * from dms.dealerships
),

with_history as (
    select c.*
    from customers as c
    where exists (
        select 1
        from dms.account_movements as m
        where m.customer_id = c.id
          and m.movement_date < %(period_end)s
          and m.account_type = any(%(account_types)s)
    )
)

select
    c.id as customer_id,
    c.code as customer_code,
    c.legal_name,
    c.tax_id,
    c.email,
    c.cc_emails,
    c.language,
    c.alerts_opt_out,
    c.active,
    b.name as branch_name,
    d.name as dealership_name,
    d.tax_id as dealership_tax_id,
    d.local_currency
from with_history as c
inner join branches as b on b.id = c.branch_id
inner join dealerships as d on d.id = b.dealership_id
order by c.id
