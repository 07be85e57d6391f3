-- Addresses suppressed because they bounce (alerts.suppressions, source 'bounces', in force),
-- in lower case: the lookup `bounced_addresses` of contact_data_quality, bound as an array to
-- contacts.sql (run on the package's own database, alerts_postgres).
select address
from alerts.suppressions
where lifted_at is null
  and source = 'bounces'
order by address
