-- Invoices and debit notes still open (open_amount > 0, not voided) that fall due on one of the
-- reminder dates (run date + each lead time), with their customer and printable header data.
-- Parameters: run_date (date), due_dates (date[]).
with

documents as (
    select * from dms.sales_documents
    where doc_type in ('invoice', 'debit_note')
      and status <> 'voided'
      and open_amount > 0
      and due_date = any(%(due_dates)s)
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
),

dealerships as (
    select * from dms.dealerships
)

select
    d.id as document_id,
    d.customer_id,
    d.doc_type,
    d.letter,
    d.number,
    d.issue_date,
    d.due_date,
    (d.due_date - %(run_date)s::date) as days_before,
    d.currency,
    d.account_type,
    d.subtotal::numeric(14, 2) as subtotal,
    d.tax::numeric(14, 2) as tax,
    d.total::numeric(14, 2) as total,
    d.open_amount::numeric(14, 2) as open_amount,
    b.name as branch_name,
    dl.name as dealership_name,
    dl.tax_id as dealership_tax_id,
    dl.local_currency,
    c.code as customer_code,
    c.legal_name,
    c.tax_id,
    c.email,
    c.cc_emails,
    c.language,
    c.alerts_opt_out,
    c.active
from documents as d
inner join customers as c on c.id = d.customer_id
inner join branches as b on b.id = d.branch_id
inner join dealerships as dl on dl.id = b.dealership_id
order by d.customer_id, d.due_date, d.issue_date, d.id
