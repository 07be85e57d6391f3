-- Parts issued (movement_type 'issue') and not billed (no sales_document_id) whose local issue
-- date, in the dealership's time zone, is on or before the cutoff (run date - days).
-- Value at cost = quantity x the part's unit_cost (the DMS's current cost).
-- `sales_document_id` is the DMS's current state: an issue billed since the run date is no
-- longer reported by a backfill of that date.
-- Each row names its report's unit (scope_id, scope_code, scope_label_es / scope_label_en): its
-- branch at branch scope, else its dealership; rows come unit by unit, oldest issue first.
-- Parameters: timezone (text), at (timestamptz, T), run_date (date), days (int),
-- scope ('dealership' | 'branch').
with

issues as (
    select
        *,
        (moved_at at time zone %(timezone)s::text)::date as issue_date
    from dms.stock_movements
    where movement_type = 'issue'
      and sales_document_id is null
      and moved_at < %(at)s
      -- local date <= cutoff, written as an instant bound so the partial index on moved_at serves
      and moved_at < ((%(run_date)s::date - %(days)s::int + 1)::timestamp at time zone %(timezone)s::text)
),

parts as (
    select * from dms.parts
),

warehouses as (
    select * from dms.warehouses
),

branches as (
    select * from dms.branches
),

dealerships as (
    select * from dms.dealerships
),

employees as (
    select * from dms.employees
),

reported as (
    select
        i.id as movement_id,
        i.moved_at,
        i.issue_date,
        (%(run_date)s::date - %(days)s::int) as cutoff,
        (%(run_date)s::date - i.issue_date) as days_since,
        p.code as part_code,
        p.description,
        i.quantity,
        p.unit_cost::numeric(14, 2) as unit_cost,
        (i.quantity * p.unit_cost)::numeric(14, 2) as cost_value,
        i.employee_id,
        coalesce(e.full_name, '') as employee,
        coalesce(i.work_order_id::text, '') as work_order,
        w.id as warehouse_id,
        w.code as warehouse,
        w.name as warehouse_name,
        b.id as branch_id,
        b.code as branch_code,
        b.name as branch_name,
        d.id as dealership_id,
        d.code as dealership_code,
        d.name as dealership_name,
        case when %(scope)s::text = 'branch' then b.id else d.id end as scope_id,
        case when %(scope)s::text = 'branch' then b.code else d.code end as scope_code,
        -- branch names say what they are ("Sucursal Córdoba")
        case when %(scope)s::text = 'branch' then b.name else d.name || ' (todas las sucursales)' end
            as scope_label_es,
        case when %(scope)s::text = 'branch' then b.name else d.name || ' (all branches)' end
            as scope_label_en
    from issues as i
    inner join parts as p on p.id = i.part_id
    inner join warehouses as w on w.id = i.warehouse_id
    inner join branches as b on b.id = w.branch_id
    inner join dealerships as d on d.id = b.dealership_id
    left join employees as e on e.id = i.employee_id
)

select *
from reported
order by scope_id, issue_date, moved_at, movement_id
