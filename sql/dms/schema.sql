-- The DMS reference schema `dms` (the contract in DMS_SCHEMA.md).
--
-- Names, types, enumerations and defaults follow the contract exactly; the alert package only
-- reads these tables. Ids are plain bigint primary keys supplied by whoever writes the rows.
-- Columns the contract marks nullable are nullable; every other column is `not null`.
-- Safe to run on an empty database and to re-run (`if not exists` everywhere).
-- Also upgrades a `dms` created by an earlier version of this file (an existing dealership's demo
-- database): columns added since are created with `alter table ... add column if not exists` (and
-- also written in their `create table`, last, so that both ways give the same table), and the
-- employees' role CHECK is dropped and added again with the current list of roles.

create schema if not exists dms;

-- ---------------------------------------------------------------------------------------------
-- Organisation
-- ---------------------------------------------------------------------------------------------

create table if not exists dms.currencies (
    code char(3) primary key,
    name text not null,
    symbol text not null
);

create table if not exists dms.dealerships (
    id bigint primary key,
    code text not null unique,
    name text not null,
    tax_id text not null,
    local_currency char(3) not null references dms.currencies (code),
    timezone text not null default 'America/Argentina/Buenos_Aires'
);

create table if not exists dms.branches (
    id bigint primary key,
    dealership_id bigint not null references dms.dealerships (id),
    code text not null unique,
    name text not null,
    email text
);

create table if not exists dms.warehouses (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    code text not null unique,
    name text not null
);

create table if not exists dms.employees (
    id bigint primary key,
    branch_id bigint references dms.branches (id),
    full_name text not null,
    email text,
    role text not null,
    manager_id bigint references dms.employees (id),
    active boolean not null default true
);

-- The role CHECK is (re)created outside the `create table`, so that a database created before the
-- catalogue roles (sales_manager, warranty_admin, credit_manager) gets them too. Keep this list and
-- EmployeeRole in plugins/alertas_rapidas/families/_common.py the same.
alter table dms.employees drop constraint if exists employees_role_check;
alter table dms.employees add constraint employees_role_check check (
    role in (
        'parts_manager', 'sales_rep', 'service_manager', 'service_advisor', 'treasury',
        'payment_authorizer', 'crm_agent', 'audit_manager', 'general_manager',
        'interface_admin', 'sales_manager', 'warranty_admin', 'credit_manager'
    )
);

-- ---------------------------------------------------------------------------------------------
-- Parts (documented under "Parts and stock"; created first because sales lines reference them)
-- ---------------------------------------------------------------------------------------------

create table if not exists dms.parts (
    id bigint primary key,
    code text not null unique,
    description text not null,
    brand text not null,
    unit_cost numeric(14, 2) not null,
    list_price numeric(14, 2) not null,
    min_stock numeric(12, 3) not null default 0,
    active boolean not null default true
);

-- ---------------------------------------------------------------------------------------------
-- Customers, suppliers, money
-- ---------------------------------------------------------------------------------------------

create table if not exists dms.customers (
    id bigint primary key,
    code text not null unique,
    legal_name text not null,
    tax_id text not null,
    email text,
    cc_emails text[],
    language text not null default 'es',
    branch_id bigint not null references dms.branches (id),
    salesperson_id bigint references dms.employees (id),
    alerts_opt_out boolean not null default false,
    birth_date date,
    active boolean not null default true,
    credit_limit numeric(14, 2),
    constraint customers_language_check check (language in ('es', 'en'))
);

-- catalogue column (credit_limit_exceeded): the credit limit in local currency; null = none.
alter table dms.customers add column if not exists credit_limit numeric(14, 2);

create table if not exists dms.suppliers (
    id bigint primary key,
    code text not null unique,
    legal_name text not null,
    tax_id text not null,
    email text,
    language text not null default 'es',
    active boolean not null default true,
    constraint suppliers_language_check check (language in ('es', 'en'))
);

create table if not exists dms.exchange_rates (
    currency char(3) not null references dms.currencies (code),
    rate_date date not null,
    rate_to_local numeric(18, 6) not null,
    primary key (currency, rate_date)
);

create table if not exists dms.sales_documents (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    customer_id bigint not null references dms.customers (id),
    doc_type text not null,
    letter text,
    number text not null,
    issue_date date not null,
    due_date date,
    currency char(3) not null references dms.currencies (code),
    account_type text not null,
    subtotal numeric(14, 2) not null,
    tax numeric(14, 2) not null,
    total numeric(14, 2) not null,
    open_amount numeric(14, 2) not null,
    status text not null,
    created_at timestamptz not null,
    constraint sales_documents_doc_type_check check (
        doc_type in ('invoice', 'credit_note', 'debit_note', 'receipt')
    ),
    constraint sales_documents_account_type_check check (
        account_type in ('vehicles', 'parts', 'service', 'other')
    ),
    constraint sales_documents_status_check check (status in ('issued', 'voided')),
    -- the contract: open_amount is always 0 for receipts and credit notes
    constraint sales_documents_open_amount_check check (
        open_amount = 0 or doc_type in ('invoice', 'debit_note')
    )
);

create table if not exists dms.sales_document_lines (
    document_id bigint not null references dms.sales_documents (id),
    line_no integer not null,
    part_id bigint references dms.parts (id),
    description text not null,
    quantity numeric(12, 3) not null,
    unit_price numeric(14, 2) not null,
    amount numeric(14, 2) not null,
    primary key (document_id, line_no)
);

create table if not exists dms.account_movements (
    id bigint primary key,
    customer_id bigint not null references dms.customers (id),
    branch_id bigint not null references dms.branches (id),
    currency char(3) not null references dms.currencies (code),
    account_type text not null,
    movement_date date not null,
    document_id bigint references dms.sales_documents (id),
    description text not null,
    debit numeric(14, 2) not null default 0,
    credit numeric(14, 2) not null default 0,
    constraint account_movements_account_type_check check (
        account_type in ('vehicles', 'parts', 'service', 'other')
    )
);

-- ---------------------------------------------------------------------------------------------
-- Parts and stock
-- ---------------------------------------------------------------------------------------------

create table if not exists dms.stock (
    part_id bigint not null references dms.parts (id),
    warehouse_id bigint not null references dms.warehouses (id),
    on_hand numeric(12, 3) not null,
    reserved numeric(12, 3) not null,
    updated_at timestamptz not null,
    primary key (part_id, warehouse_id)
);

create table if not exists dms.stock_transfers (
    id bigint primary key,
    part_id bigint not null references dms.parts (id),
    from_warehouse_id bigint not null references dms.warehouses (id),
    to_warehouse_id bigint not null references dms.warehouses (id),
    quantity numeric(12, 3) not null,
    status text not null,
    requested_at timestamptz not null,
    received_at timestamptz,
    constraint stock_transfers_status_check check (
        status in ('pending', 'in_transit', 'received', 'cancelled')
    )
);

-- ---------------------------------------------------------------------------------------------
-- Workshop (before stock_movements, which reference work orders)
-- ---------------------------------------------------------------------------------------------

create table if not exists dms.vehicles (
    id bigint primary key,
    vin text not null unique,
    customer_id bigint references dms.customers (id),
    make text not null,
    model text not null,
    model_year integer not null,
    plate text,
    warranty_until date,
    in_stock_since date,
    condition text not null,
    branch_id bigint references dms.branches (id),
    stock_cost numeric(14, 2),
    next_service_due date,
    constraint vehicles_condition_check check (condition in ('new', 'used'))
);

-- catalogue columns: the branch holding a stock vehicle and its cost (aged_vehicle_stock), the
-- date of the next service (service_due).
alter table dms.vehicles
    add column if not exists branch_id bigint references dms.branches (id),
    add column if not exists stock_cost numeric(14, 2),
    add column if not exists next_service_due date;

create table if not exists dms.work_orders (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    customer_id bigint not null references dms.customers (id),
    vehicle_id bigint not null references dms.vehicles (id),
    advisor_id bigint references dms.employees (id),
    opened_at timestamptz not null,
    finished_at timestamptz,
    status text not null,
    constraint work_orders_status_check check (
        status in ('open', 'finished', 'invoiced', 'cancelled')
    )
);

create table if not exists dms.service_appointments (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    customer_id bigint not null references dms.customers (id),
    vehicle_id bigint not null references dms.vehicles (id),
    scheduled_at timestamptz not null,
    status text not null,
    constraint service_appointments_status_check check (
        status in ('booked', 'attended', 'no_show', 'cancelled')
    )
);

create table if not exists dms.stock_movements (
    id bigint primary key,
    part_id bigint not null references dms.parts (id),
    warehouse_id bigint not null references dms.warehouses (id),
    movement_type text not null,
    quantity numeric(12, 3) not null,
    moved_at timestamptz not null,
    employee_id bigint references dms.employees (id),
    work_order_id bigint references dms.work_orders (id),
    sales_document_id bigint references dms.sales_documents (id),
    constraint stock_movements_movement_type_check check (
        movement_type in ('receipt', 'issue', 'transfer_in', 'transfer_out', 'adjustment', 'return')
    ),
    constraint stock_movements_quantity_check check (quantity > 0)
);

create table if not exists dms.customer_orders (
    id bigint primary key,
    customer_id bigint not null references dms.customers (id),
    branch_id bigint not null references dms.branches (id),
    salesperson_id bigint not null references dms.employees (id),
    created_at timestamptz not null,
    status text not null,
    constraint customer_orders_status_check check (status in ('open', 'closed', 'cancelled'))
);

create table if not exists dms.customer_order_lines (
    order_id bigint not null references dms.customer_orders (id),
    line_no integer not null,
    part_id bigint not null references dms.parts (id),
    warehouse_id bigint not null references dms.warehouses (id),
    quantity_ordered numeric(12, 3) not null,
    quantity_pending numeric(12, 3) not null,
    status text not null,
    reserved_at timestamptz,
    primary key (order_id, line_no),
    constraint customer_order_lines_status_check check (
        status in ('pending', 'reserved', 'delivered', 'cancelled')
    )
);

-- catalogue column (special_orders_not_picked_up): when the line's parts were set aside for the
-- customer.
alter table dms.customer_order_lines add column if not exists reserved_at timestamptz;

-- ---------------------------------------------------------------------------------------------
-- Payments, interfaces, CRM
-- ---------------------------------------------------------------------------------------------

create table if not exists dms.payment_orders (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    supplier_id bigint not null references dms.suppliers (id),
    number text not null,
    currency char(3) not null references dms.currencies (code),
    amount numeric(14, 2) not null,
    created_at timestamptz not null,
    status text not null,
    authorizer_id bigint references dms.employees (id),
    authorized_at timestamptz,
    ready_at timestamptz,
    pickup_location text,
    constraint payment_orders_status_check check (
        status in ('pending_authorization', 'authorized', 'ready_for_pickup', 'paid', 'rejected')
    )
);

create table if not exists dms.payment_order_items (
    payment_order_id bigint not null references dms.payment_orders (id),
    line_no integer not null,
    supplier_invoice_number text not null,
    description text not null,
    amount numeric(14, 2) not null,
    primary key (payment_order_id, line_no)
);

create table if not exists dms.interfaces (
    id bigint primary key,
    code text not null unique,
    name text not null,
    owner_id bigint references dms.employees (id)
);

create table if not exists dms.interface_runs (
    id bigint primary key,
    interface_id bigint not null references dms.interfaces (id),
    started_at timestamptz not null,
    finished_at timestamptz,
    status text not null,
    rows_processed bigint,
    constraint interface_runs_status_check check (status in ('running', 'succeeded', 'failed'))
);

create table if not exists dms.crm_contacts (
    id bigint primary key,
    customer_id bigint not null references dms.customers (id),
    vehicle_id bigint references dms.vehicles (id),
    branch_id bigint not null references dms.branches (id),
    contact_type text not null,
    scheduled_for date not null,
    completed_at timestamptz,
    owner_id bigint not null references dms.employees (id),
    status text not null,
    notes text,
    constraint crm_contacts_contact_type_check check (
        contact_type in ('post_sale_call', 'service_followup', 'satisfaction_survey', 'other')
    ),
    constraint crm_contacts_status_check check (status in ('scheduled', 'done', 'cancelled'))
);

-- ---------------------------------------------------------------------------------------------
-- Catalogue tables (families 11-41 of CATALOGUE.md; DMS_SCHEMA.md, "Catalogue tables")
-- ---------------------------------------------------------------------------------------------

create table if not exists dms.vehicle_sales (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    customer_id bigint not null references dms.customers (id),
    salesperson_id bigint not null references dms.employees (id),
    vehicle_id bigint references dms.vehicles (id),
    model_description text not null,
    stage text not null,
    stage_since timestamptz not null,
    created_at timestamptz not null,
    delivered_at timestamptz,
    constraint vehicle_sales_stage_check check (
        stage in (
            'ordered', 'arrived', 'documentation', 'financing', 'registration',
            'ready_for_delivery', 'delivered', 'cancelled'
        )
    )
);

-- every stage a sale entered, in order: the same values as vehicle_sales.stage
create table if not exists dms.vehicle_sale_events (
    id bigint primary key,
    sale_id bigint not null references dms.vehicle_sales (id),
    stage text not null,
    at timestamptz not null,
    constraint vehicle_sale_events_stage_check check (
        stage in (
            'ordered', 'arrived', 'documentation', 'financing', 'registration',
            'ready_for_delivery', 'delivered', 'cancelled'
        )
    )
);

create table if not exists dms.quotes (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    customer_id bigint not null references dms.customers (id),
    salesperson_id bigint not null references dms.employees (id),
    number text not null,
    issue_date date not null,
    valid_until date not null,
    currency char(3) not null references dms.currencies (code),
    total numeric(14, 2) not null,
    status text not null,
    constraint quotes_status_check check (status in ('open', 'accepted', 'rejected', 'expired'))
);

create table if not exists dms.vehicle_loans (
    id bigint primary key,
    vehicle_id bigint not null references dms.vehicles (id),
    branch_id bigint not null references dms.branches (id),
    employee_id bigint not null references dms.employees (id),
    customer_id bigint references dms.customers (id),
    loan_type text not null,
    out_at timestamptz not null,
    due_back_at timestamptz not null,
    returned_at timestamptz,
    constraint vehicle_loans_loan_type_check check (loan_type in ('demo', 'courtesy'))
);

create table if not exists dms.warranty_claims (
    id bigint primary key,
    work_order_id bigint not null references dms.work_orders (id),
    branch_id bigint not null references dms.branches (id),
    number text not null,
    currency char(3) not null references dms.currencies (code),
    amount numeric(14, 2) not null,
    status text not null,
    submitted_at timestamptz,
    status_changed_at timestamptz not null,
    rejection_reason text,
    constraint warranty_claims_status_check check (
        status in ('draft', 'submitted', 'approved', 'rejected', 'paid')
    )
);

create table if not exists dms.recall_campaigns (
    id bigint primary key,
    code text not null unique,
    title text not null,
    make text not null,
    opened_on date not null
);

create table if not exists dms.recall_vehicles (
    campaign_id bigint not null references dms.recall_campaigns (id),
    vehicle_id bigint not null references dms.vehicles (id),
    status text not null,
    primary key (campaign_id, vehicle_id),
    constraint recall_vehicles_status_check check (status in ('open', 'done'))
);

create table if not exists dms.cheques (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    customer_id bigint references dms.customers (id),
    bank text not null,
    number text not null,
    currency char(3) not null references dms.currencies (code),
    amount numeric(14, 2) not null,
    due_date date not null,
    received_at timestamptz not null,
    status text not null,
    status_changed_at timestamptz not null,
    rejection_reason text,
    constraint cheques_status_check check (
        status in ('in_portfolio', 'deposited', 'endorsed', 'rejected', 'cleared')
    )
);

create table if not exists dms.supplier_invoices (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    supplier_id bigint not null references dms.suppliers (id),
    number text not null,
    issue_date date not null,
    due_date date not null,
    currency char(3) not null references dms.currencies (code),
    total numeric(14, 2) not null,
    open_amount numeric(14, 2) not null,
    status text not null,
    constraint supplier_invoices_status_check check (status in ('issued', 'voided'))
);

create table if not exists dms.leads (
    id bigint primary key,
    branch_id bigint not null references dms.branches (id),
    source text not null,
    full_name text not null,
    email text,
    phone text,
    interest text not null,
    assigned_to bigint references dms.employees (id),
    created_at timestamptz not null,
    first_contact_at timestamptz,
    status text not null,
    constraint leads_status_check check (
        status in ('new', 'contacted', 'qualified', 'won', 'lost')
    )
);

create table if not exists dms.vehicle_documents (
    vehicle_id bigint not null references dms.vehicles (id),
    doc_type text not null,
    expires_on date not null,
    reference text,
    primary key (vehicle_id, doc_type),
    constraint vehicle_documents_doc_type_check check (
        doc_type in ('vtv', 'insurance', 'registration')
    )
);

-- ---------------------------------------------------------------------------------------------
-- Indexes for the alert queries
-- ---------------------------------------------------------------------------------------------

-- customer_statements: opening balance (movements before the period start) and the period's
-- movements, per customer and currency; covering, so both sums are index-only scans.
create index if not exists account_movements_customer_currency_date_idx
    on dms.account_movements (customer_id, currency, movement_date)
    include (account_type, debit, credit);

-- customer_statements: the customers with a movement in the period (range scan on the date).
create index if not exists account_movements_movement_date_idx
    on dms.account_movements (movement_date);

-- sales_documents: documents recorded in the run's window (created_at in [T - 15 min, T)).
create index if not exists sales_documents_created_at_idx
    on dms.sales_documents (created_at);

-- invoices_due_soon: unpaid documents falling due on run date + d.
create index if not exists sales_documents_open_due_date_idx
    on dms.sales_documents (due_date)
    where open_amount > 0;

-- sales_documents, invoices_due_soon, statements: a customer's documents.
create index if not exists sales_documents_customer_id_idx
    on dms.sales_documents (customer_id);

-- parts_issued_not_invoiced: issues still waiting for their billing document, by issue time.
create index if not exists stock_movements_unbilled_issues_idx
    on dms.stock_movements (moved_at)
    include (part_id, warehouse_id, quantity)
    where movement_type = 'issue' and sales_document_id is null;

-- backorders_arrived: arrivals (receipt, transfer_in) in the run's window.
create index if not exists stock_movements_arrivals_moved_at_idx
    on dms.stock_movements (moved_at)
    include (part_id, warehouse_id, quantity)
    where movement_type in ('receipt', 'transfer_in');

-- backorders_arrived and catalogue families (parts without movement): a part's movements in a
-- warehouse over time.
create index if not exists stock_movements_part_warehouse_moved_at_idx
    on dms.stock_movements (part_id, warehouse_id, moved_at);

-- parts_out_of_stock: the transfers that still count (pending and in_transit).
create index if not exists stock_transfers_open_status_idx
    on dms.stock_transfers (status)
    include (part_id, from_warehouse_id, to_warehouse_id, quantity)
    where status in ('pending', 'in_transit');

-- parts_out_of_stock: stock by warehouse (the primary key leads with part_id).
create index if not exists stock_warehouse_id_idx
    on dms.stock (warehouse_id);

-- backorders_arrived: back-ordered lines of a part in a warehouse.
create index if not exists customer_order_lines_pending_idx
    on dms.customer_order_lines (part_id, warehouse_id)
    include (quantity_pending)
    where quantity_pending > 0;

-- payments_pending_authorization: orders waiting for authorization, by creation time (new in
-- the window, and reminders for the ones older than remind_after_hours).
create index if not exists payment_orders_status_created_at_idx
    on dms.payment_orders (status, created_at);

-- supplier_payments_ready: orders that became ready for pickup in the window.
create index if not exists payment_orders_ready_at_idx
    on dms.payment_orders (ready_at);

-- interfaces_not_run and the freshness sensors: the last successful run of an interface.
create index if not exists interface_runs_succeeded_idx
    on dms.interface_runs (interface_id, finished_at)
    where status = 'succeeded';

-- crm_contacts_overdue: scheduled contacts by their date.
create index if not exists crm_contacts_status_scheduled_for_idx
    on dms.crm_contacts (status, scheduled_for);

-- recipient resolution (all internal families): employees by role and branch.
create index if not exists employees_role_branch_idx
    on dms.employees (role, branch_id);

-- Catalogue families (CATALOGUE.md, 11-41). Some read through indexes that already exist above:
-- overdue_invoices_dunning (sales_documents_open_due_date_idx), credit_limit_exceeded
-- (sales_documents_customer_id_idx), slow_moving_parts
-- (stock_movements_part_warehouse_moved_at_idx), exchange_rate_missing (the primary key of
-- exchange_rates), contact_data_quality (employees_role_branch_idx).

-- vehicle_arrived, vehicle_ready_for_delivery: the sale events of one stage in the run's window.
create index if not exists vehicle_sale_events_stage_at_idx
    on dms.vehicle_sale_events (stage, at);

-- deals_stalled: the open sales of a stage that entered it before T - max days.
create index if not exists vehicle_sales_open_stage_since_idx
    on dms.vehicle_sales (stage, stage_since)
    where stage not in ('delivered', 'cancelled');

-- satisfaction_surveys: the sales delivered on D - days_after (local date).
create index if not exists vehicle_sales_delivered_at_idx
    on dms.vehicle_sales (delivered_at);

-- aged_vehicle_stock: dealer stock (no owner) that entered stock on or before D - threshold.
create index if not exists vehicles_dealer_stock_in_stock_since_idx
    on dms.vehicles (in_stock_since)
    include (branch_id)
    where in_stock_since is not null and customer_id is null;

-- warranty_expiring: vehicles whose warranty ends on D + days_before.
create index if not exists vehicles_warranty_until_idx
    on dms.vehicles (warranty_until);

-- service_due: vehicles whose next service falls on D + days_before.
create index if not exists vehicles_next_service_due_idx
    on dms.vehicles (next_service_due);

-- quotes_expiring: open quotes valid until D + days_before.
create index if not exists quotes_status_valid_until_idx
    on dms.quotes (status, valid_until);

-- vehicle_loans_overdue: loans not returned, by the instant they were due back.
create index if not exists vehicle_loans_out_due_back_at_idx
    on dms.vehicle_loans (due_back_at)
    where returned_at is null;

-- birthday_greetings: customers by the month and day of birth_date. The query must use these
-- same expressions, e.g. `extract(month from birth_date) = 2 and extract(day from birth_date) in
-- (28, 29)`, for the index to serve it.
create index if not exists customers_birth_month_day_idx
    on dms.customers ((extract(month from birth_date)), (extract(day from birth_date)));

-- appointment_reminders, appointment_no_shows, recall_open_on_appointment: appointments of a
-- status (booked, no_show) by their instant.
create index if not exists service_appointments_status_scheduled_at_idx
    on dms.service_appointments (status, scheduled_at);

-- recall_open_on_appointment: the open recalls of a vehicle (the primary key leads with
-- campaign_id).
create index if not exists recall_vehicles_open_vehicle_idx
    on dms.recall_vehicles (vehicle_id)
    where status = 'open';

-- work_orders_open_too_long: open work orders by their opening instant.
create index if not exists work_orders_status_opened_at_idx
    on dms.work_orders (status, opened_at);

-- repeat_repairs: the work orders opened in the run's window (any status).
create index if not exists work_orders_opened_at_idx
    on dms.work_orders (opened_at);

-- vehicle_ready_for_pickup (finished in the window), satisfaction_surveys (invoiced, finished on
-- D - days_after): work orders by their finishing instant.
create index if not exists work_orders_finished_at_idx
    on dms.work_orders (finished_at);

-- repeat_repairs: the earlier work orders of the same vehicle finished within N days before.
create index if not exists work_orders_vehicle_finished_at_idx
    on dms.work_orders (vehicle_id, finished_at);

-- warranty_claims_pending: rejected claims whose status changed in the window, and submitted
-- claims submitted before T - unpaid_after_days.
create index if not exists warranty_claims_status_changed_at_idx
    on dms.warranty_claims (status, status_changed_at);
create index if not exists warranty_claims_status_submitted_at_idx
    on dms.warranty_claims (status, submitted_at);

-- special_orders_not_picked_up: reserved lines by the instant they were set aside.
create index if not exists customer_order_lines_status_reserved_at_idx
    on dms.customer_order_lines (status, reserved_at);

-- stock_adjustments_audit: adjustments in the run's window.
create index if not exists stock_movements_adjustments_moved_at_idx
    on dms.stock_movements (moved_at)
    include (part_id, quantity)
    where movement_type = 'adjustment';

-- exchange_rate_missing (currencies of issued documents of the last 30 days) and
-- contact_data_quality (customers with an issued document in the last 90 days): issued
-- documents by issue date, covering, so both are index-only range scans.
create index if not exists sales_documents_issued_issue_date_idx
    on dms.sales_documents (issue_date)
    include (currency, customer_id)
    where status = 'issued';

-- cheques_to_deposit: cheques in portfolio due on or before D + days_ahead.
create index if not exists cheques_status_due_date_idx
    on dms.cheques (status, due_date);

-- rejected_cheques: cheques whose status changed (to rejected) in the run's window.
create index if not exists cheques_status_changed_at_idx
    on dms.cheques (status, status_changed_at);

-- supplier_invoices_due: unpaid issued supplier invoices due on or before D + days_ahead.
create index if not exists supplier_invoices_open_due_date_idx
    on dms.supplier_invoices (due_date)
    where status = 'issued' and open_amount > 0;

-- leads_unattended: new leads by their creation instant (first_contact_at null is checked on the
-- few rows found).
create index if not exists leads_status_created_at_idx
    on dms.leads (status, created_at);

-- vehicle_documents_expiring: documents expiring on D + days_before.
create index if not exists vehicle_documents_expires_on_idx
    on dms.vehicle_documents (expires_on);
