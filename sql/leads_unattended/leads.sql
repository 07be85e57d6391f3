-- New leads nobody has contacted, created before T - remind_after_hours; `escalate` marks
-- those created before T - escalate_after_hours (for the branch's sales manager too).
with

leads as (
    select * from dms.leads
    where status = 'new'
      and first_contact_at is null
      and created_at < %(at)s - make_interval(hours => %(remind_after_hours)s::int)
),

branches as (
    select * from dms.branches
),

employees as (
    select * from dms.employees
)

select
    l.id as lead_id,
    l.branch_id,
    b.name as branch_name,
    l.full_name,
    coalesce(l.email, '') as lead_email,
    coalesce(l.phone, '') as phone,
    l.source,
    l.interest,
    l.created_at,
    floor(extract(epoch from (%(at)s - l.created_at)) / 3600)::int as hours_waiting,
    l.created_at < %(at)s - make_interval(hours => %(escalate_after_hours)s::int) as escalate,
    l.assigned_to,
    coalesce(e.full_name, '') as assignee_name
from leads as l
inner join branches as b on b.id = l.branch_id
left join employees as e on e.id = l.assigned_to
order by l.created_at, l.id
