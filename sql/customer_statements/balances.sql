-- Per customer and currency: the balance before the period (opening) and the totals in it.
-- One set-based pass over the movements before the period end; no query per customer.
-- Parameters: period_start (date), period_end (date, exclusive), account_types (text[]).
with

movements as (
    select * from dms.account_movements
    where movement_date < %(period_end)s
      and account_type = any(%(account_types)s)
)

select
    customer_id,
    currency,
    coalesce(sum(debit - credit) filter (where movement_date < %(period_start)s), 0)::numeric(14, 2)
        as opening_balance,
    coalesce(sum(debit) filter (where movement_date >= %(period_start)s), 0)::numeric(14, 2)
        as period_debit,
    coalesce(sum(credit) filter (where movement_date >= %(period_start)s), 0)::numeric(14, 2)
        as period_credit,
    count(*) filter (where movement_date >= %(period_start)s) as period_movements
from movements
group by customer_id, currency
order by customer_id, currency
