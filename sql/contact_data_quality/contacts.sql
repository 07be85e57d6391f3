-- Contacts the alerts cannot reach: active customers with no or malformed e-mail who had an
-- issued sales document in the last 90 days (issue_date in (D - 90, D]), and active employees
-- with no or malformed e-mail whose role is one of %(roles)s; and every active customer and
-- employee whose address bounces (%(bounced_addresses)s: suppressed by its bounce score, from
-- the package's own database), to be fixed in the DMS. One row per person, kind 'customer' or
-- 'employee', customers first. "Malformed": not local@domain.tld (the shape the mailer accepts;
-- it drops anything else).
with

customers as (
    select * from dms.customers
    where active
),

recent_documents as (
    select
        d.customer_id,
        max(d.issue_date) as last_document_date,
        count(*)::int as documents
    from dms.sales_documents as d
    where d.status = 'issued'
      and d.issue_date > %(run_date)s::date - 90
      and d.issue_date <= %(run_date)s::date
    group by d.customer_id
),

employees as (
    select * from dms.employees
    where active
      and (role = any(%(roles)s::text[]) or lower(btrim(email)) = any(%(bounced_addresses)s::text[]))
),

staff as (
    select * from dms.employees
),

branches as (
    select * from dms.branches
),

role_names (role, role_es, role_en) as (
    values
        ('parts_manager', 'Jefe/a de repuestos', 'Parts manager'),
        ('sales_rep', 'Vendedor/a', 'Salesperson'),
        ('service_manager', 'Jefe/a de taller', 'Service manager'),
        ('service_advisor', 'Asesor/a de servicio', 'Service advisor'),
        ('treasury', 'Tesorería', 'Treasury'),
        ('payment_authorizer', 'Autorizante de pagos', 'Payment authorizer'),
        ('crm_agent', 'Agente de CRM', 'CRM agent'),
        ('audit_manager', 'Auditoría', 'Audit manager'),
        ('general_manager', 'Gerencia general', 'General manager'),
        ('interface_admin', 'Administración de interfaces', 'Interface administrator'),
        ('sales_manager', 'Gerente de ventas', 'Sales manager'),
        ('warranty_admin', 'Administración de garantías', 'Warranty administrator'),
        ('credit_manager', 'Créditos y cobranzas', 'Credit manager')
),

checked as (
    select
        'customer' as kind,
        c.id as person_id,
        c.code,
        c.legal_name as name,
        c.tax_id,
        null::text as role,
        c.branch_id,
        c.salesperson_id,
        c.email,
        r.last_document_date,
        r.documents
    from customers as c
    left join recent_documents as r on r.customer_id = c.id
    where r.customer_id is not null or lower(btrim(c.email)) = any(%(bounced_addresses)s::text[])
    union all
    select
        'employee' as kind,
        e.id as person_id,
        null as code,
        e.full_name as name,
        null as tax_id,
        e.role,
        e.branch_id,
        null as salesperson_id,
        e.email,
        null as last_document_date,
        null as documents
    from employees as e
),

flagged as (
    select
        checked.*,
        case
            when nullif(btrim(email), '') is null then 'no_email'
            when lower(btrim(email)) = any(%(bounced_addresses)s::text[]) then 'bounced'
            when btrim(email) !~ '^[A-Za-z0-9.!#$%%&''*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$'
                then 'malformed_email'
        end as problem
    from checked
)

select
    f.kind,
    f.code,
    f.name,
    f.tax_id,
    coalesce(rn.role_es, f.role) as role_es,
    coalesce(rn.role_en, f.role) as role_en,
    coalesce(b.name, '') as branch_name,
    s.full_name as salesperson_name,
    f.email,
    f.problem,
    case f.problem
        when 'no_email' then 'Sin e-mail'
        when 'bounced' then 'El e-mail rebota'
        else 'E-mail mal formado'
    end as problem_es,
    case f.problem
        when 'no_email' then 'No e-mail'
        when 'bounced' then 'E-mail bounces'
        else 'Malformed e-mail'
    end as problem_en,
    f.last_document_date,
    f.documents
from flagged as f
left join branches as b on b.id = f.branch_id
left join staff as s on s.id = f.salesperson_id
left join role_names as rn on rn.role = f.role
where f.problem is not null
order by f.kind, f.name, f.person_id
