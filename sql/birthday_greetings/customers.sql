-- Customers born on the run date's month and day; on 28 February of a non-leap year also those
-- born on 29 February. Month and day are compared as `extract(...)` of birth_date, the
-- expressions of the index customers_birth_month_day_idx, so that the index serves the query.
-- Inactive customers are returned too, so that the skip says why.
with

customers as (
    select * from dms.customers
    where extract(month from birth_date) = extract(month from %(run_date)s::date)
      and extract(day from birth_date) in (
          extract(day from %(run_date)s::date),
          -- 28 February followed by 1 March (a non-leap year) greets 29 February too
          case
              when extract(month from %(run_date)s::date) = 2
                  and extract(day from %(run_date)s::date) = 28
                  and extract(month from %(run_date)s::date + 1) = 3
                  then 29
          end
      )
)

select
    c.id as customer_id,
    c.legal_name,
    c.birth_date,
    c.email,
    c.cc_emails,
    c.language,
    c.alerts_opt_out,
    c.active
from customers as c
order by c.legal_name, c.id
