"""The DMS reference schema, sql/dms/schema.sql, against the contract (DMS_SCHEMA.md, "Catalogue tables").

Every table and column of the catalogue section with its type and nullability (read from
information_schema), primary keys, CHECKs holding exactly the listed values (each listed value
accepted, anything else refused), foreign keys refusing orphans, the catalogue's employee roles
(also in `EmployeeRole`), the indexes of the catalogue families, re-running the file, and upgrading
a `dms` created by the file's previous version (tests/fixtures/dms_schema_v1.sql), directly and
through docker/dms-init.sh on a filled demo database.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import psycopg
import pytest
from psycopg import sql

from alertas_rapidas.families._common import EmployeeRole

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_SQL = ROOT / "sql" / "dms" / "schema.sql"
SCHEMA_V1_SQL = ROOT / "tests" / "fixtures" / "dms_schema_v1.sql"
FIXTURES = ROOT / "tests" / "fixtures"

ID, TEXT, DATE, INSTANT, MONEY, CURRENCY = (
    "bigint",
    "text",
    "date",
    "timestamp with time zone",
    "numeric(14,2)",
    "character(3)",
)
NULL = True  # nullable, as the contract says
REQ = False  # not null

# The contract's catalogue tables: (column, type, nullable), in the contract's order.
CATALOGUE_TABLES: dict[str, list[tuple[str, str, bool]]] = {
    "vehicle_sales": [
        ("id", ID, REQ),
        ("branch_id", ID, REQ),
        ("customer_id", ID, REQ),
        ("salesperson_id", ID, REQ),
        ("vehicle_id", ID, NULL),
        ("model_description", TEXT, REQ),
        ("stage", TEXT, REQ),
        ("stage_since", INSTANT, REQ),
        ("created_at", INSTANT, REQ),
        ("delivered_at", INSTANT, NULL),
    ],
    "vehicle_sale_events": [
        ("id", ID, REQ),
        ("sale_id", ID, REQ),
        ("stage", TEXT, REQ),
        ("at", INSTANT, REQ),
    ],
    "quotes": [
        ("id", ID, REQ),
        ("branch_id", ID, REQ),
        ("customer_id", ID, REQ),
        ("salesperson_id", ID, REQ),
        ("number", TEXT, REQ),
        ("issue_date", DATE, REQ),
        ("valid_until", DATE, REQ),
        ("currency", CURRENCY, REQ),
        ("total", MONEY, REQ),
        ("status", TEXT, REQ),
    ],
    "vehicle_loans": [
        ("id", ID, REQ),
        ("vehicle_id", ID, REQ),
        ("branch_id", ID, REQ),
        ("employee_id", ID, REQ),
        ("customer_id", ID, NULL),
        ("loan_type", TEXT, REQ),
        ("out_at", INSTANT, REQ),
        ("due_back_at", INSTANT, REQ),
        ("returned_at", INSTANT, NULL),
    ],
    "warranty_claims": [
        ("id", ID, REQ),
        ("work_order_id", ID, REQ),
        ("branch_id", ID, REQ),
        ("number", TEXT, REQ),
        ("currency", CURRENCY, REQ),
        ("amount", MONEY, REQ),
        ("status", TEXT, REQ),
        ("submitted_at", INSTANT, NULL),
        ("status_changed_at", INSTANT, REQ),
        ("rejection_reason", TEXT, NULL),
    ],
    "recall_campaigns": [
        ("id", ID, REQ),
        ("code", TEXT, REQ),
        ("title", TEXT, REQ),
        ("make", TEXT, REQ),
        ("opened_on", DATE, REQ),
    ],
    "recall_vehicles": [
        ("campaign_id", ID, REQ),
        ("vehicle_id", ID, REQ),
        ("status", TEXT, REQ),
    ],
    "cheques": [
        ("id", ID, REQ),
        ("branch_id", ID, REQ),
        ("customer_id", ID, NULL),
        ("bank", TEXT, REQ),
        ("number", TEXT, REQ),
        ("currency", CURRENCY, REQ),
        ("amount", MONEY, REQ),
        ("due_date", DATE, REQ),
        ("received_at", INSTANT, REQ),
        ("status", TEXT, REQ),
        ("status_changed_at", INSTANT, REQ),
        ("rejection_reason", TEXT, NULL),
    ],
    "supplier_invoices": [
        ("id", ID, REQ),
        ("branch_id", ID, REQ),
        ("supplier_id", ID, REQ),
        ("number", TEXT, REQ),
        ("issue_date", DATE, REQ),
        ("due_date", DATE, REQ),
        ("currency", CURRENCY, REQ),
        ("total", MONEY, REQ),
        ("open_amount", MONEY, REQ),
        ("status", TEXT, REQ),
    ],
    "leads": [
        ("id", ID, REQ),
        ("branch_id", ID, REQ),
        ("source", TEXT, REQ),
        ("full_name", TEXT, REQ),
        ("email", TEXT, NULL),
        ("phone", TEXT, NULL),
        ("interest", TEXT, REQ),
        ("assigned_to", ID, NULL),
        ("created_at", INSTANT, REQ),
        ("first_contact_at", INSTANT, NULL),
        ("status", TEXT, REQ),
    ],
    "vehicle_documents": [
        ("vehicle_id", ID, REQ),
        ("doc_type", TEXT, REQ),
        ("expires_on", DATE, REQ),
        ("reference", TEXT, NULL),
    ],
}

# The catalogue's new (nullable) columns of existing tables.
NEW_COLUMNS: dict[tuple[str, str], str] = {
    ("vehicles", "branch_id"): ID,
    ("vehicles", "stock_cost"): MONEY,
    ("vehicles", "next_service_due"): DATE,
    ("customers", "credit_limit"): MONEY,
    ("customer_order_lines", "reserved_at"): INSTANT,
}

PRIMARY_KEYS: dict[str, list[str]] = {
    **{table: ["id"] for table in CATALOGUE_TABLES},
    "recall_vehicles": ["campaign_id", "vehicle_id"],
    "vehicle_documents": ["vehicle_id", "doc_type"],
}

UNIQUE: dict[str, list[str]] = {"recall_campaigns": ["code"]}

# (table, column) -> (referenced table, referenced column)
FOREIGN_KEYS: dict[tuple[str, str], tuple[str, str]] = {
    ("vehicle_sales", "branch_id"): ("branches", "id"),
    ("vehicle_sales", "customer_id"): ("customers", "id"),
    ("vehicle_sales", "salesperson_id"): ("employees", "id"),
    ("vehicle_sales", "vehicle_id"): ("vehicles", "id"),
    ("vehicle_sale_events", "sale_id"): ("vehicle_sales", "id"),
    ("quotes", "branch_id"): ("branches", "id"),
    ("quotes", "customer_id"): ("customers", "id"),
    ("quotes", "salesperson_id"): ("employees", "id"),
    ("quotes", "currency"): ("currencies", "code"),
    ("vehicle_loans", "vehicle_id"): ("vehicles", "id"),
    ("vehicle_loans", "branch_id"): ("branches", "id"),
    ("vehicle_loans", "employee_id"): ("employees", "id"),
    ("vehicle_loans", "customer_id"): ("customers", "id"),
    ("warranty_claims", "work_order_id"): ("work_orders", "id"),
    ("warranty_claims", "branch_id"): ("branches", "id"),
    ("warranty_claims", "currency"): ("currencies", "code"),
    ("recall_vehicles", "campaign_id"): ("recall_campaigns", "id"),
    ("recall_vehicles", "vehicle_id"): ("vehicles", "id"),
    ("cheques", "branch_id"): ("branches", "id"),
    ("cheques", "customer_id"): ("customers", "id"),
    ("cheques", "currency"): ("currencies", "code"),
    ("supplier_invoices", "branch_id"): ("branches", "id"),
    ("supplier_invoices", "supplier_id"): ("suppliers", "id"),
    ("supplier_invoices", "currency"): ("currencies", "code"),
    ("leads", "branch_id"): ("branches", "id"),
    ("leads", "assigned_to"): ("employees", "id"),
    ("vehicle_documents", "vehicle_id"): ("vehicles", "id"),
    ("vehicles", "branch_id"): ("branches", "id"),
}

SALE_STAGES = [
    "ordered",
    "arrived",
    "documentation",
    "financing",
    "registration",
    "ready_for_delivery",
    "delivered",
    "cancelled",
]
# (table, column) -> exactly the values the contract lists
ENUMERATIONS: dict[tuple[str, str], list[str]] = {
    ("vehicle_sales", "stage"): SALE_STAGES,
    ("vehicle_sale_events", "stage"): SALE_STAGES,  # "every stage a sale entered"
    ("quotes", "status"): ["open", "accepted", "rejected", "expired"],
    ("vehicle_loans", "loan_type"): ["demo", "courtesy"],
    ("warranty_claims", "status"): ["draft", "submitted", "approved", "rejected", "paid"],
    ("recall_vehicles", "status"): ["open", "done"],
    ("cheques", "status"): ["in_portfolio", "deposited", "endorsed", "rejected", "cleared"],
    ("supplier_invoices", "status"): ["issued", "voided"],
    ("leads", "status"): ["new", "contacted", "qualified", "won", "lost"],
    ("vehicle_documents", "doc_type"): ["vtv", "insurance", "registration"],
}

ROLES = [
    "parts_manager",
    "sales_rep",
    "service_manager",
    "service_advisor",
    "treasury",
    "payment_authorizer",
    "crm_agent",
    "audit_manager",
    "general_manager",
    "interface_admin",
    "sales_manager",
    "warranty_admin",
    "credit_manager",
]
NEW_ROLES = ["sales_manager", "warranty_admin", "credit_manager"]

# The indexes written for the catalogue families (CATALOGUE.md), with the column list each leads with.
CATALOGUE_INDEXES: dict[str, tuple[str, str]] = {
    "vehicle_sale_events_stage_at_idx": ("vehicle_sale_events", "(stage, at)"),
    "vehicle_sales_open_stage_since_idx": ("vehicle_sales", "(stage, stage_since)"),
    "vehicle_sales_delivered_at_idx": ("vehicle_sales", "(delivered_at)"),
    "vehicles_dealer_stock_in_stock_since_idx": ("vehicles", "(in_stock_since)"),
    "vehicles_warranty_until_idx": ("vehicles", "(warranty_until)"),
    "vehicles_next_service_due_idx": ("vehicles", "(next_service_due)"),
    "quotes_status_valid_until_idx": ("quotes", "(status, valid_until)"),
    "vehicle_loans_out_due_back_at_idx": ("vehicle_loans", "(due_back_at)"),
    "customers_birth_month_day_idx": ("customers", "(EXTRACT(month FROM birth_date)"),
    "service_appointments_status_scheduled_at_idx": ("service_appointments", "(status, scheduled_at)"),
    "recall_vehicles_open_vehicle_idx": ("recall_vehicles", "(vehicle_id)"),
    "work_orders_status_opened_at_idx": ("work_orders", "(status, opened_at)"),
    "work_orders_opened_at_idx": ("work_orders", "(opened_at)"),
    "work_orders_finished_at_idx": ("work_orders", "(finished_at)"),
    "work_orders_vehicle_finished_at_idx": ("work_orders", "(vehicle_id, finished_at)"),
    "warranty_claims_status_changed_at_idx": ("warranty_claims", "(status, status_changed_at)"),
    "warranty_claims_status_submitted_at_idx": ("warranty_claims", "(status, submitted_at)"),
    "customer_order_lines_status_reserved_at_idx": ("customer_order_lines", "(status, reserved_at)"),
    "stock_movements_adjustments_moved_at_idx": ("stock_movements", "(moved_at)"),
    "sales_documents_issued_issue_date_idx": ("sales_documents", "(issue_date)"),
    "cheques_status_due_date_idx": ("cheques", "(status, due_date)"),
    "cheques_status_changed_at_idx": ("cheques", "(status, status_changed_at)"),
    "supplier_invoices_open_due_date_idx": ("supplier_invoices", "(due_date)"),
    "leads_status_created_at_idx": ("leads", "(status, created_at)"),
    "vehicle_documents_expires_on_idx": ("vehicle_documents", "(expires_on)"),
}

# What every catalogue row below refers to.
BASE_ROWS = """
insert into dms.employees (id, branch_id, full_name, email, role) values
    (1, 1, 'Laura Gómez', 'laura.gomez@autosur.example.com', 'sales_rep');
insert into dms.customers (id, code, legal_name, tax_id, email, branch_id, salesperson_id) values
    (1, 'C001', 'Transportes del Sur S.R.L.', '30-70000001-9', 'pagos@transportes.example.com', 1, 1);
insert into dms.suppliers (id, code, legal_name, tax_id) values
    (1, 'P001', 'Repuestos Oeste S.A.', '30-70000002-7');
insert into dms.warehouses (id, branch_id, code, name) values (1, 1, 'DEP-1', 'Depósito central');
insert into dms.parts (id, code, description, brand, unit_cost, list_price) values
    (1, 'FIL-001', 'Filtro de aceite', 'Mann', 1000, 1500);
insert into dms.vehicles (id, vin, customer_id, make, model, model_year, condition) values
    (1, '8AJFB8CD0P1234567', 1, 'Toyota', 'Hilux', 2023, 'new');
insert into dms.work_orders (id, branch_id, customer_id, vehicle_id, opened_at, status) values
    (1, 1, 1, 1, '2026-10-01 09:00-03', 'invoiced');
insert into dms.customer_orders (id, customer_id, branch_id, salesperson_id, created_at, status) values
    (1, 1, 1, 1, '2026-10-01 10:00-03', 'open');
insert into dms.vehicle_sales
    (id, branch_id, customer_id, salesperson_id, model_description, stage, stage_since, created_at)
    values (1, 1, 1, 1, 'Toyota Hilux SRX 4x4', 'ordered', '2026-10-01 10:00-03', '2026-10-01 10:00-03');
insert into dms.recall_campaigns (id, code, title, make, opened_on) values
    (1, 'RC-2026-01', 'Reemplazo de airbag', 'Toyota', '2026-09-01');
"""

_ids = itertools.count(1000)


def valid_row(table: str) -> dict[str, object]:
    """A row holding only the contract's columns, valid over BASE_ROWS (a fresh id each time)."""
    new_id = next(_ids)
    rows: dict[str, dict[str, object]] = {
        "vehicle_sales": {
            "id": new_id,
            "branch_id": 1,
            "customer_id": 1,
            "salesperson_id": 1,
            "vehicle_id": 1,
            "model_description": "Toyota Hilux SRX 4x4",
            "stage": "arrived",
            "stage_since": "2026-10-20 10:00-03",
            "created_at": "2026-10-01 10:00-03",
            "delivered_at": None,
        },
        "vehicle_sale_events": {"id": new_id, "sale_id": 1, "stage": "arrived", "at": "2026-10-20 10:00-03"},
        "quotes": {
            "id": new_id,
            "branch_id": 1,
            "customer_id": 1,
            "salesperson_id": 1,
            "number": f"P-{new_id}",
            "issue_date": "2026-10-01",
            "valid_until": "2026-10-31",
            "currency": "USD",
            "total": "35000.00",
            "status": "open",
        },
        "vehicle_loans": {
            "id": new_id,
            "vehicle_id": 1,
            "branch_id": 1,
            "employee_id": 1,
            "customer_id": 1,
            "loan_type": "courtesy",
            "out_at": "2026-10-01 10:00-03",
            "due_back_at": "2026-10-03 18:00-03",
            "returned_at": None,
        },
        "warranty_claims": {
            "id": new_id,
            "work_order_id": 1,
            "branch_id": 1,
            "number": f"G-{new_id}",
            "currency": "ARS",
            "amount": "125000.50",
            "status": "submitted",
            "submitted_at": "2026-10-02 10:00-03",
            "status_changed_at": "2026-10-02 10:00-03",
            "rejection_reason": None,
        },
        "recall_campaigns": {
            "id": new_id,
            "code": f"RC-{new_id}",
            "title": "Revisión de frenos",
            "make": "Toyota",
            "opened_on": "2026-10-01",
        },
        "recall_vehicles": {"campaign_id": 1, "vehicle_id": 1, "status": "open"},
        "cheques": {
            "id": new_id,
            "branch_id": 1,
            "customer_id": 1,
            "bank": "Banco Nación",
            "number": f"{new_id:08d}",
            "currency": "ARS",
            "amount": "500000.00",
            "due_date": "2026-11-03",
            "received_at": "2026-10-01 10:00-03",
            "status": "in_portfolio",
            "status_changed_at": "2026-10-01 10:00-03",
            "rejection_reason": None,
        },
        "supplier_invoices": {
            "id": new_id,
            "branch_id": 1,
            "supplier_id": 1,
            "number": f"A-0001-{new_id:08d}",
            "issue_date": "2026-10-01",
            "due_date": "2026-11-01",
            "currency": "ARS",
            "total": "121000.00",
            "open_amount": "121000.00",
            "status": "issued",
        },
        "leads": {
            "id": new_id,
            "branch_id": 1,
            "source": "web",
            "full_name": "Martín Pérez",
            "email": "martin.perez@example.com",
            "phone": None,
            "interest": "Toyota Corolla Cross",
            "assigned_to": 1,
            "created_at": "2026-10-01 10:00-03",
            "first_contact_at": None,
            "status": "new",
        },
        "vehicle_documents": {
            "vehicle_id": 1,
            "doc_type": "vtv",
            "expires_on": "2026-11-15",
            "reference": None,
        },
        "vehicles": {
            "id": new_id,
            "vin": f"9BWZZZ377VT{new_id:06d}",
            "customer_id": None,
            "make": "Volkswagen",
            "model": "Amarok",
            "model_year": 2026,
            "condition": "new",
            "in_stock_since": "2026-08-01",
            "branch_id": 1,
            "stock_cost": "42000000.00",
            "next_service_due": None,
        },
        "employees": {
            "id": new_id,
            "branch_id": 1,
            "full_name": "Ana Ruiz",
            "email": "ana.ruiz@autosur.example.com",
            "role": "sales_rep",
        },
    }
    return rows[table]


def insert(conn: psycopg.Connection, table: str, row: dict[str, object]) -> None:
    query = sql.SQL("insert into {} ({}) values ({})").format(
        sql.Identifier("dms", table),
        sql.SQL(", ").join(map(sql.Identifier, row)),
        sql.SQL(", ").join(sql.Placeholder() * len(row)),
    )
    conn.execute(query, list(row.values()))


def attempt(conn: psycopg.Connection, table: str, row: dict[str, object]) -> None:
    """Insert in a savepoint that is rolled back afterwards: nothing stays, errors propagate."""
    with conn.transaction(force_rollback=True):
        insert(conn, table, row)


def check_values(conn: psycopg.Connection, table: str, column: str) -> set[str]:
    """The literals of the CHECK constraint `<table>_<column>_check`."""
    found = conn.execute(
        """
        select pg_get_constraintdef(c.oid)
        from pg_constraint c
        join pg_class t on t.oid = c.conrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = 'dms' and t.relname = %s and c.conname = %s and c.contype = 'c'
        """,
        (table, f"{table}_{column}_check"),
    ).fetchone()
    assert found is not None, f"no CHECK constraint {table}_{column}_check"
    return set(re.findall(r"'([^']*)'::text", found[0]))


def columns(conn: psycopg.Connection) -> dict[tuple[str, str], tuple[str, bool]]:
    """(table, column) -> (type as written in the contract, nullable), from information_schema."""
    rows = conn.execute(
        """
        select table_name, column_name, data_type, character_maximum_length, numeric_precision,
               numeric_scale, is_nullable
        from information_schema.columns
        where table_schema = 'dms'
        """
    ).fetchall()
    found = {}
    for table, column, data_type, length, precision, scale, nullable in rows:
        if data_type == "numeric":
            data_type = f"numeric({precision},{scale})"
        elif data_type == "character":
            data_type = f"character({length})"
        found[(table, column)] = (data_type, nullable == "YES")
    return found


def catalog_snapshot(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    """Everything that defines schema dms: columns (in order), constraints and indexes."""
    return {
        "columns": conn.execute(
            """
            select table_name, ordinal_position, column_name, data_type, character_maximum_length,
                   numeric_precision, numeric_scale, is_nullable, column_default
            from information_schema.columns where table_schema = 'dms'
            order by table_name, ordinal_position
            """
        ).fetchall(),
        "constraints": conn.execute(
            """
            select t.relname, c.conname, pg_get_constraintdef(c.oid), c.convalidated
            from pg_constraint c
            join pg_class t on t.oid = c.conrelid
            join pg_namespace n on n.oid = t.relnamespace
            where n.nspname = 'dms'
            order by 1, 2
            """
        ).fetchall(),
        "indexes": conn.execute(
            "select tablename, indexname, indexdef from pg_indexes where schemaname = 'dms' order by 1, 2"
        ).fetchall(),
    }


@pytest.fixture
def catalogue_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute(BASE_ROWS)
    return dms


# ---------------------------------------------------------------------------------------------
# Tables, columns, keys
# ---------------------------------------------------------------------------------------------


def test_catalogue_tables_have_exactly_the_contract_columns_types_and_nullability(dms):
    found = columns(dms)
    for table, expected in CATALOGUE_TABLES.items():
        actual = {column: spec for (t, column), spec in found.items() if t == table}
        assert actual, f"table dms.{table} is missing"
        assert actual == {column: (data_type, nullable) for column, data_type, nullable in expected}, table


def test_new_columns_of_existing_tables_are_nullable_with_the_contract_type(dms):
    found = columns(dms)
    for (table, column), data_type in NEW_COLUMNS.items():
        assert found.get((table, column)) == (data_type, True), f"{table}.{column}"


def test_primary_and_unique_keys(dms):
    rows = dms.execute(
        """
        select tc.table_name, tc.constraint_type, array_agg(k.column_name::text order by k.ordinal_position)
        from information_schema.table_constraints tc
        join information_schema.key_column_usage k
          on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name
        where tc.table_schema = 'dms' and tc.constraint_type in ('PRIMARY KEY', 'UNIQUE')
        group by tc.table_name, tc.constraint_type, tc.constraint_name
        """
    ).fetchall()
    primary = {table: keys for table, kind, keys in rows if kind == "PRIMARY KEY"}
    unique = {(table, tuple(keys)) for table, kind, keys in rows if kind == "UNIQUE"}
    for table, keys in PRIMARY_KEYS.items():
        assert primary.get(table) == keys, table
    for table, keys in UNIQUE.items():
        assert (table, tuple(keys)) in unique, table


def test_foreign_keys_reference_the_named_tables(dms):
    rows = dms.execute(
        """
        select t.relname, a.attname, rt.relname, ra.attname
        from pg_constraint c
        join pg_class t on t.oid = c.conrelid
        join pg_namespace n on n.oid = t.relnamespace
        join pg_class rt on rt.oid = c.confrelid
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
        join pg_attribute ra on ra.attrelid = c.confrelid and ra.attnum = c.confkey[1]
        where n.nspname = 'dms' and c.contype = 'f' and cardinality(c.conkey) = 1
        """
    ).fetchall()
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for table, column, ref_table, ref_column in rows:
        found.setdefault((table, column), []).append((ref_table, ref_column))
    for key, reference in FOREIGN_KEYS.items():
        assert found.get(key) == [reference], key  # exactly one foreign key, to the named table
    # every id-like column of a catalogue table is a foreign key (or the table's own key)
    for table, spec in CATALOGUE_TABLES.items():
        for column, _, _ in spec:
            if column.endswith("_id") or column in ("assigned_to", "currency"):
                assert (table, column) in FOREIGN_KEYS, f"{table}.{column} not in the test's list"


@pytest.mark.parametrize(("table", "column"), list(FOREIGN_KEYS), ids=[f"{t}.{c}" for t, c in FOREIGN_KEYS])
def test_foreign_keys_refuse_orphans(catalogue_dms, table, column):
    with catalogue_dms.transaction(force_rollback=True):
        attempt(catalogue_dms, table, valid_row(table))  # the row itself is valid
        orphan = "XXX" if column == "currency" else 999_999
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            attempt(catalogue_dms, table, {**valid_row(table), column: orphan})


def test_contract_rows_are_valid_and_required_columns_refuse_null(catalogue_dms):
    conn = catalogue_dms
    with conn.transaction(force_rollback=True):
        for table, spec in CATALOGUE_TABLES.items():
            attempt(conn, table, valid_row(table))
            for column, _, nullable in spec:
                row = {**valid_row(table), column: None}
                if nullable:
                    attempt(conn, table, row)
                else:
                    with pytest.raises(psycopg.errors.NotNullViolation):
                        attempt(conn, table, row)


# ---------------------------------------------------------------------------------------------
# Enumerations and roles
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "column"), list(ENUMERATIONS), ids=[f"{t}.{c}" for t, c in ENUMERATIONS])
def test_check_holds_exactly_the_listed_values(catalogue_dms, table, column):
    conn = catalogue_dms
    listed = ENUMERATIONS[(table, column)]
    assert check_values(conn, table, column) == set(listed)
    with conn.transaction(force_rollback=True):
        for value in listed:
            attempt(conn, table, {**valid_row(table), column: value})
        for outside in ("other", listed[0].upper(), f" {listed[0]}", ""):
            with pytest.raises(psycopg.errors.CheckViolation):
                attempt(conn, table, {**valid_row(table), column: outside})


def test_employee_roles_of_the_contract(catalogue_dms):
    conn = catalogue_dms
    assert check_values(conn, "employees", "role") == set(ROLES)
    assert set(get_args(EmployeeRole)) == set(ROLES)  # the families' settings offer the same roles
    with conn.transaction(force_rollback=True):
        for role in ROLES:
            attempt(conn, "employees", {**valid_row("employees"), "role": role})
        with pytest.raises(psycopg.errors.CheckViolation):
            attempt(conn, "employees", {**valid_row("employees"), "role": "sales_director"})


# ---------------------------------------------------------------------------------------------
# Indexes
# ---------------------------------------------------------------------------------------------


def test_catalogue_indexes_exist_and_are_valid(dms):
    rows = dms.execute(
        """
        select i.relname, t.relname, pg_get_indexdef(i.oid), x.indisvalid
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = 'dms'
        """
    ).fetchall()
    found = {name: (table, definition, valid) for name, table, definition, valid in rows}
    for name, (table, columns_start) in CATALOGUE_INDEXES.items():
        assert name in found, name
        actual_table, definition, valid = found[name]
        assert (actual_table, valid) == (table, True), name
        assert f"USING btree {columns_start}" in definition, definition


def test_the_birthday_index_serves_a_month_day_query(catalogue_dms):
    conn = catalogue_dms
    with conn.transaction(force_rollback=True):
        conn.execute(
            """
            insert into dms.customers (id, code, legal_name, tax_id, branch_id, birth_date)
            select 100 + g, 'B' || g, 'Cliente ' || g, '20-' || g, 1, date '1960-01-01' + g
            from generate_series(1, 5000) g
            """
        )
        conn.execute("analyze dms.customers")
        plan = "\n".join(
            line
            for (line,) in conn.execute(
                """
                explain select id from dms.customers
                where active
                  and extract(month from birth_date) = 2 and extract(day from birth_date) in (28, 29)
                """
            )
        )
    assert "customers_birth_month_day_idx" in plan, plan


# ---------------------------------------------------------------------------------------------
# Re-running and upgrading
# ---------------------------------------------------------------------------------------------


def test_running_the_schema_again_changes_nothing_and_keeps_the_rows(catalogue_dms):
    conn = catalogue_dms
    insert(conn, "vehicle_loans", valid_row("vehicle_loans"))
    insert(conn, "employees", {**valid_row("employees"), "role": "warranty_admin"})
    before = catalog_snapshot(conn)
    counts = conn.execute(
        "select (select count(*) from dms.employees), (select count(*) from dms.vehicle_loans)"
    ).fetchone()
    for _ in range(2):
        conn.execute(SCHEMA_SQL.read_text())
    assert catalog_snapshot(conn) == before
    assert (
        conn.execute(
            "select (select count(*) from dms.employees), (select count(*) from dms.vehicle_loans)"
        ).fetchone()
        == counts
    )


def test_the_schema_upgrades_a_dms_created_by_its_previous_version(dms):
    conn = dms
    fresh = catalog_snapshot(conn)

    conn.execute("drop schema dms cascade")
    conn.execute(SCHEMA_V1_SQL.read_text())
    # the previous version indeed lacks what the catalogue brings
    assert conn.execute("select to_regclass('dms.vehicle_sales')").fetchone() == (None,)
    assert ("vehicles", "branch_id") not in columns(conn)
    conn.execute((FIXTURES / "organisation.sql").read_text())
    conn.execute(BASE_ROWS.split("insert into dms.vehicle_sales")[0])  # the old tables' rows
    conn.execute(
        """
        insert into dms.customer_order_lines
            (order_id, line_no, part_id, warehouse_id, quantity_ordered, quantity_pending, status)
        values (1, 1, 1, 1, 2, 0, 'reserved')
        """
    )
    with pytest.raises(psycopg.errors.CheckViolation):
        attempt(conn, "employees", {**valid_row("employees"), "role": "sales_manager"})

    conn.execute(SCHEMA_SQL.read_text())

    # the same schema as a fresh one: columns in the same order, constraints, indexes
    upgraded = catalog_snapshot(conn)
    for part in ("columns", "constraints", "indexes"):
        assert upgraded[part] == fresh[part], part
    # the old rows are kept, their new columns null
    assert conn.execute(
        "select branch_id, stock_cost, next_service_due from dms.vehicles where id = 1"
    ).fetchone() == (None, None, None)
    assert conn.execute("select credit_limit from dms.customers where id = 1").fetchone() == (None,)
    assert conn.execute("select status, reserved_at from dms.customer_order_lines").fetchall() == [
        ("reserved", None)
    ]
    assert conn.execute("select role from dms.employees").fetchall() == [("sales_rep",)]
    # and what the catalogue brings works
    for role in NEW_ROLES:
        insert(conn, "employees", {**valid_row("employees"), "role": role})
    for table in CATALOGUE_TABLES:
        if table not in ("vehicle_sale_events", "recall_vehicles"):
            insert(conn, table, valid_row(table))
    with pytest.raises(psycopg.errors.CheckViolation):
        attempt(conn, "employees", {**valid_row("employees"), "role": "sales_director"})
    # a second run over the upgraded schema is a no-op too
    conn.execute(SCHEMA_SQL.read_text())
    assert catalog_snapshot(conn) == fresh


def test_dms_init_brings_a_filled_demo_database_up_to_date(postgres):
    """docker/dms-init.sh on a demo database created by the previous schema: data kept, schema new."""
    database, reader = "upgrade_dms", "upgrade_reader"
    dsn = postgres.create_database(database, drop=True)
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(reader)))
        conn.execute(sql.SQL("create role {} login").format(sql.Identifier(reader)))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SCHEMA_V1_SQL.read_text())
        conn.execute((FIXTURES / "organisation.sql").read_text())
        conn.execute(BASE_ROWS.split("insert into dms.vehicle_sales")[0])

    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "plugins"),
        "DMS_INIT_DSN": dsn,
        "DMS_READER_USER": reader,
    }
    result = subprocess.run(
        ["bash", str(ROOT / "docker" / "dms-init.sh")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "already holds data" in result.stdout
    assert "schema.sql applied again" in result.stdout

    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select count(*) from dms.customers").fetchone() == (1,)  # not reloaded
        assert set(CATALOGUE_TABLES) <= {
            name for (name,) in conn.execute("select tablename from pg_tables where schemaname = 'dms'")
        }
        assert check_values(conn, "employees", "role") == set(ROLES)
        assert ("customer_order_lines", "reserved_at") in columns(conn)
    with psycopg.connect(
        host=postgres.socket_dir, user=reader, dbname=database, autocommit=True
    ) as conn:  # the read-only role reads the new tables too
        for table in CATALOGUE_TABLES:
            conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("dms", table)))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into dms.recall_campaigns values (9, 'X', 'x', 'x', '2026-01-01')")
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("drop role {}").format(sql.Identifier(reader)))
