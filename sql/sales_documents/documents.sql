-- Sales documents the DMS recorded in the run's window, issued (not voided), of the configured
-- types, with their customer (addressing, skip rules) and what the printable document shows.
-- Parameters: window_start, window_end (timestamptz, [start, end)), doc_types (text[]).
with

documents as (
    select * from dms.sales_documents
    where created_at >= %(window_start)s
      and created_at < %(window_end)s
      and status = 'issued'
      and doc_type = any(%(doc_types)s)
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
    d.currency,
    d.account_type,
    d.subtotal::numeric(14, 2) as subtotal,
    d.tax::numeric(14, 2) as tax,
    d.total::numeric(14, 2) as total,
    d.created_at,
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
order by d.customer_id, d.created_at, d.id
