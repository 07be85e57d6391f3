-- The lines of the documents selected by documents.sql (same filter), in line order.
-- Parameters: window_start, window_end (timestamptz, [start, end)), doc_types (text[]).
with

documents as (
    select id from dms.sales_documents
    where created_at >= %(window_start)s
      and created_at < %(window_end)s
      and status = 'issued'
      and doc_type = any(%(doc_types)s)
)

select
    l.document_id,
    l.line_no,
    l.description,
    l.quantity::numeric(12, 3) as quantity,
    l.unit_price::numeric(14, 2) as unit_price,
    l.amount::numeric(14, 2) as amount
from dms.sales_document_lines as l
inner join documents as d on d.id = l.document_id
order by l.document_id, l.line_no
