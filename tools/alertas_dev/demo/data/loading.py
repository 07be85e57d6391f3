"""Loading the demo data: the schema, COPY in bulk, foreign keys checked once at the end."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from alertas_dev.demo.data.common import Row

SCHEMA_SQL = Path(__file__).resolve().parents[4] / "sql" / "dms" / "schema.sql"


class CopyWriter:
    """COPY rows into dms tables, counting them per table."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        statement = sql.SQL("copy {} ({}) from stdin").format(
            sql.Identifier("dms", table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        count = 0
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        self.counts[table] = self.counts.get(table, 0) + count


# the columns each table is loaded with, in row order
COLUMNS = {
    "currencies": "code name symbol",
    "dealerships": "id code name tax_id local_currency timezone",
    "branches": "id dealership_id code name email",
    "warehouses": "id branch_id code name",
    "employees": "id branch_id full_name email role manager_id active",
    "exchange_rates": "currency rate_date rate_to_local",
    "parts": "id code description brand unit_cost list_price min_stock active",
    "customers": (
        "id code legal_name tax_id email cc_emails language branch_id salesperson_id alerts_opt_out "
        "birth_date active"
    ),
    "suppliers": "id code legal_name tax_id email language active",
    "stock": "part_id warehouse_id on_hand reserved updated_at",
    "vehicles": "id vin customer_id make model model_year plate warranty_until in_stock_since condition",
    "work_orders": "id branch_id customer_id vehicle_id advisor_id opened_at finished_at status",
    "service_appointments": "id branch_id customer_id vehicle_id scheduled_at status",
    "sales_documents": (
        "id branch_id customer_id doc_type letter number issue_date due_date currency account_type "
        "subtotal tax total open_amount status created_at"
    ),
    "sales_document_lines": "document_id line_no part_id description quantity unit_price amount",
    "account_movements": (
        "id customer_id branch_id currency account_type movement_date document_id description debit credit"
    ),
    "stock_transfers": (
        "id part_id from_warehouse_id to_warehouse_id quantity status requested_at received_at"
    ),
    "stock_movements": (
        "id part_id warehouse_id movement_type quantity moved_at employee_id work_order_id sales_document_id"
    ),
    "customer_orders": "id customer_id branch_id salesperson_id created_at status",
    "customer_order_lines": "order_id line_no part_id warehouse_id quantity_ordered quantity_pending status",
    "payment_orders": (
        "id branch_id supplier_id number currency amount created_at status authorizer_id "
        "authorized_at ready_at pickup_location"
    ),
    "payment_order_items": "payment_order_id line_no supplier_invoice_number description amount",
    "interfaces": "id code name owner_id",
    "interface_runs": "id interface_id started_at finished_at status rows_processed",
    "crm_contacts": (
        "id customer_id vehicle_id branch_id contact_type scheduled_for completed_at owner_id status notes"
    ),
}


# the large tables, loaded with their foreign keys checked once at the end
BULK_TABLES = ("sales_documents", "sales_document_lines", "account_movements", "stock_movements")


@contextmanager
def _foreign_keys_checked_at_end(
    conn: psycopg.Connection, tables: Sequence[str]
) -> Generator[None, None, None]:
    """Drop the tables' foreign keys, let the caller load, and add them back.

    PostgreSQL's bulk-load advice ("Populating a Database"): adding a foreign key checks every
    row in one join, where a loaded row fires one check per key (half of a 1M-movement load).
    The constraints come back with their names and definitions, validated, in the caller's
    transaction; if the load fails the rollback restores them. Needs ownership of the tables.
    """
    saved = conn.execute(
        """
        select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid)
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        where k.contype = 'f' and n.nspname = 'dms' and c.relname = any(%s)
        order by c.relname, k.conname
        """,
        [list(tables)],
    ).fetchall()
    for schema, table, name, _ in saved:
        conn.execute(
            sql.SQL("alter table {} drop constraint {}").format(
                sql.Identifier(schema, table), sql.Identifier(name)
            )
        )
    yield
    for schema, table, name, definition in saved:
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(
                sql.Identifier(schema, table), sql.Identifier(name), sql.SQL(definition)
            )
        )


def create_schema(conn: psycopg.Connection) -> None:
    """Create schema ``dms`` (idempotent) from ``sql/dms/schema.sql`` and commit."""
    conn.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    conn.commit()
