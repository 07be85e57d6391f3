-- The lines of the documents selected by documents.sql, only when the config attaches the
-- documents as PDFs (attach_documents); otherwise no rows.
-- Parameters: due_dates (date[]), attach_documents (boolean).
with

documents as (
    select id from dms.sales_documents
    where doc_type in ('invoice', 'debit_note')
      and status <> 'voided'
      and open_amount > 0
      and due_date = any(%(due_dates)s)
      and %(attach_documents)s
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
