-- The dealership whose interfaces these are (interfaces belong to the DMS installation, which
-- serves one dealership; the first by id when several are recorded).
select
    d.name as dealership_name
from dms.dealerships as d
order by d.id
limit 1
