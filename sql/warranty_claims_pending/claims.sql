-- Warranty claims to act on: rejected in the run's window [window_start, window_end), or still
-- submitted and unpaid since before T - unpaid_after_days. Rejected ones first, then by age.
with

claims as (
    select * from dms.warranty_claims
    where (
        status = 'rejected'
        and status_changed_at >= %(window_start)s
        and status_changed_at < %(window_end)s
    ) or (
        status = 'submitted'
        and submitted_at < %(at)s - make_interval(days => %(unpaid_after_days)s::int)
    )
),

work_orders as (
    select * from dms.work_orders
),

branches as (
    select * from dms.branches
)

select
    c.id as claim_id,
    c.status,
    case c.status when 'rejected' then 'Rechazado' else 'Presentado, sin pagar' end as state_es,
    case c.status when 'rejected' then 'Rejected' else 'Submitted, unpaid' end as state_en,
    c.number,
    b.name as branch_name,
    c.work_order_id,
    c.submitted_at,
    (%(at)s::timestamptz at time zone %(timezone)s)::date
        - (c.submitted_at at time zone %(timezone)s)::date as days_submitted,
    c.status_changed_at,
    c.currency,
    c.amount,
    coalesce(c.rejection_reason, '') as rejection_reason
from claims as c
inner join work_orders as w on w.id = c.work_order_id
inner join branches as b on b.id = c.branch_id
order by c.status = 'rejected' desc, c.submitted_at, c.number
