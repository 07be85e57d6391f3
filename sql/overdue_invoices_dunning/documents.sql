-- Issued invoices and debit notes still unpaid, each at the highest dunning level its days
-- overdue (run date - due_date) reach: level n once days overdue >= levels[n] (levels ascend).
-- lower_level_keys are the row keys of the levels below, settled when this level is sent.
-- Documents issued after the run date are left out, so a backfill sees what existed then.
with

documents as (
    select * from dms.sales_documents
    where status = 'issued'
      and doc_type in ('invoice', 'debit_note')
      and open_amount > 0
      and due_date is not null
      and issue_date <= %(run_date)s::date
),

customers as (
    select * from dms.customers
),

overdue as (
    select
        d.*,
        (%(run_date)s::date - d.due_date) as days_overdue
    from documents as d
),

levelled as (
    select
        o.*,
        (
            select count(*)::int
            from unnest(%(levels)s::int[]) as l (days)
            where o.days_overdue >= l.days
        ) as level
    from overdue as o
)

select
    l.id as document_id,
    case l.doc_type when 'invoice' then 'Factura' else 'Nota de débito' end
        || coalesce(' ' || l.letter, '') || ' ' || l.number as document_es,
    case l.doc_type when 'invoice' then 'Invoice' else 'Debit note' end
        || coalesce(' ' || l.letter, '') || ' ' || l.number as document_en,
    l.issue_date,
    l.due_date,
    l.days_overdue,
    l.currency,
    l.open_amount,
    l.level,
    array(
        select 'invoice:' || l.id || ':level' || n
        from generate_series(1, l.level - 1) as n
    ) as lower_level_keys,
    c.id as customer_id,
    c.legal_name,
    c.email,
    c.cc_emails,
    c.language,
    c.active,
    c.alerts_opt_out,
    c.salesperson_id
from levelled as l
inner join customers as c on c.id = l.customer_id
where l.level >= 1
order by c.id, l.due_date, l.number
