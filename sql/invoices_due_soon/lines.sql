-- The lines of the documents documents.sql returned, only when the config attaches the documents
-- as PDFs (attach_documents); otherwise no rows.
-- Parameters: parent_keys (bigint[]: the document ids of documents.sql), attach_documents (boolean).
select
    l.document_id,
    l.line_no,
    l.description,
    l.quantity::numeric(12, 3) as quantity,
    l.unit_price::numeric(14, 2) as unit_price,
    l.amount::numeric(14, 2) as amount
from dms.sales_document_lines as l
where l.document_id = any(%(parent_keys)s)
  and %(attach_documents)s
order by l.document_id, l.line_no
