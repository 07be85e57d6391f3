-- Cheques in portfolio due by run_date + days_ahead (those past due included), per branch, with
-- one subtotal row per branch and currency after that currency's cheques (is_total; its
-- `currency_label` reads "Total ARS"): a currency's cheques are never added to another's.
-- `cheques` is the DMS's current state: a backfill leaves out cheques deposited since.
with

cheques as (
    select * from dms.cheques
    where status = 'in_portfolio'
      and due_date <= %(run_date)s::date + %(days_ahead)s::int
),

customers as (
    select * from dms.customers
),

branches as (
    select * from dms.branches
),

listed as (
    select
        ch.branch_id,
        ch.currency,
        false as is_total,
        ch.currency::text as currency_label,
        ch.due_date,
        ch.bank,
        ch.number,
        cu.legal_name as customer_name,
        ch.amount,
        ch.id as cheque_id
    from cheques as ch
    left join customers as cu on cu.id = ch.customer_id
),

subtotals as (
    select
        branch_id,
        currency,
        true as is_total,
        'Total ' || currency as currency_label,
        null::date as due_date,
        null as bank,
        null as number,
        null as customer_name,
        sum(amount) as amount,
        null::bigint as cheque_id
    from listed
    group by branch_id, currency
),

report as (
    select * from listed
    union all
    select * from subtotals
)

select
    r.branch_id,
    b.code as branch_code,
    b.name as branch_name,
    r.currency,
    r.is_total,
    r.currency_label,
    r.due_date,
    (r.due_date - %(run_date)s::date) as days_to_due,
    (%(run_date)s::date + %(days_ahead)s::int) as due_until,
    r.bank,
    r.number,
    r.customer_name,
    r.amount,
    r.cheque_id
from report as r
inner join branches as b on b.id = r.branch_id
order by r.branch_id, r.currency, r.is_total, r.due_date, r.bank, r.number
