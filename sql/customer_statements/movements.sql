-- Every movement in the statement period, in the order the running balance is computed.
-- Parameters: period_start (date), period_end (date, exclusive), account_types (text[]).
select
    m.customer_id,
    m.currency,
    m.id as movement_id,
    m.movement_date,
    m.description,
    m.debit,
    m.credit
from dms.account_movements as m
where m.movement_date >= %(period_start)s
  and m.movement_date < %(period_end)s
  and m.account_type = any(%(account_types)s)
order by m.customer_id, m.currency, m.movement_date, m.id
