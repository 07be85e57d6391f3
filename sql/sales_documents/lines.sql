-- The lines of the documents documents.sql returned, in line order.
-- Parameters: parent_keys (bigint[]: the document ids of documents.sql).
select
    l.document_id,
    l.line_no,
    l.description,
    l.quantity::numeric(12, 3) as quantity,
    l.unit_price::numeric(14, 2) as unit_price,
    l.amount::numeric(14, 2) as amount
from dms.sales_document_lines as l
where l.document_id = any(%(parent_keys)s)
order by l.document_id, l.line_no
