-- Issued supplier invoices still unpaid that fall due on or before run date + days_ahead,
-- overdue ones first (oldest due date first), by branch.
with

invoices as (
    select * from dms.supplier_invoices
    where status = 'issued'
      and open_amount > 0
      and due_date <= %(run_date)s::date + %(days_ahead)s::int
),

suppliers as (
    select * from dms.suppliers
),

branches as (
    select * from dms.branches
)

select
    i.id as invoice_id,
    i.branch_id,
    b.code as branch_code,
    b.name as branch_name,
    s.legal_name as supplier_name,
    i.number,
    i.issue_date,
    i.due_date,
    (i.due_date - %(run_date)s::date) as days_to_due,
    case
        when i.due_date < %(run_date)s::date then 'Vencida hace ' || (%(run_date)s::date - i.due_date) || ' d'
        when i.due_date = %(run_date)s::date then 'Vence hoy'
        else 'Vence en ' || (i.due_date - %(run_date)s::date) || ' d'
    end as state_es,
    case
        when i.due_date < %(run_date)s::date then 'Overdue ' || (%(run_date)s::date - i.due_date) || ' d'
        when i.due_date = %(run_date)s::date then 'Due today'
        else 'Due in ' || (i.due_date - %(run_date)s::date) || ' d'
    end as state_en,
    i.currency,
    i.open_amount,
    %(run_date)s::date + %(days_ahead)s::int as due_by
from invoices as i
inner join suppliers as s on s.id = i.supplier_id
inner join branches as b on b.id = i.branch_id
order by i.branch_id, i.due_date, s.legal_name, i.number
