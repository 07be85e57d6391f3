-- The dealership whose name signs every configured family's mail (the first one by id).
select
    d.id,
    d.code,
    d.name,
    d.tax_id,
    d.local_currency
from dms.dealerships as d
order by d.id
limit 1
