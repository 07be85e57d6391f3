-- Customers' cheques whose status changed to rejected in the window, with the customer's address,
-- language and alert flags, and the branch that holds the cheque.
with

cheques as (
    select * from dms.cheques
    where status = 'rejected'
      and customer_id is not null
      and status_changed_at >= %(window_start)s
      and status_changed_at < %(window_end)s
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
)

select
    ch.id as cheque_id,
    ch.branch_id,
    b.name as branch_name,
    b.email as branch_email,
    ch.bank,
    ch.number,
    ch.currency,
    ch.amount,
    ch.due_date,
    ch.status_changed_at as rejected_at,
    ch.rejection_reason,
    cu.id as customer_id,
    cu.legal_name,
    cu.email,
    cu.cc_emails,
    cu.language,
    cu.active,
    cu.alerts_opt_out
from cheques as ch
inner join customers as cu on cu.id = ch.customer_id
inner join branches as b on b.id = ch.branch_id
order by ch.status_changed_at, ch.id
