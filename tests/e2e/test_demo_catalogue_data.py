"""The demo's catalogue data (tools/alertas_dev/demo/catalogue_data.py) on a real PostgreSQL:
the rows the rest of the generator writes stay as they were (its own random stream, new rows with
new ids; only the catalogue columns and the birthdays it sets change), the same seed gives the same
rows, and its fixed cases sit where the catalogue families look for them on the demo's date."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

pytestmark = pytest.mark.e2e

REF = date(2026, 11, 1)
CATALOGUE_TABLES = (
    "vehicle_sales",
    "vehicle_sale_events",
    "quotes",
    "vehicle_loans",
    "warranty_claims",
    "recall_campaigns",
    "recall_vehicles",
    "cheques",
    "supplier_invoices",
    "leads",
    "vehicle_documents",
)


def load(postgres, name: str, *, seed: int = 7, customers: int = 80) -> psycopg.Connection:
    from alertas_dev.demo import dms_data

    conn = psycopg.connect(postgres.create_database(name, drop=True), autocommit=True)
    dms_data.create_schema(conn)
    dms_data.load_demo_data(conn, seed=seed, customers=customers, reference_date=REF)
    return conn


def drop(postgres, *conns: psycopg.Connection) -> None:
    from psycopg import sql

    names = [conn.info.dbname for conn in conns]
    for conn in conns:
        conn.close()
    with psycopg.connect(postgres.dsn(), autocommit=True) as admin:
        for name in names:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def rows(conn: psycopg.Connection, table: str, columns: list[str]) -> set[str]:
    query = f"select {', '.join(columns)} from dms.{table}"  # names from the generator's own lists
    return {repr(row) for row in conn.execute(query).fetchall()}


def test_the_other_tables_keep_their_rows_and_new_rows_get_new_ids(postgres, monkeypatch):
    from alertas_dev.demo import catalogue_data, dms_data

    full = load(postgres, "demo_full")
    monkeypatch.setattr(catalogue_data, "load_catalogue_data", lambda *args, **kwargs: None)
    bare = load(postgres, "demo_bare")
    try:
        for table, spec in dms_data.COLUMNS.items():
            columns = [c for c in spec.split() if not (table == "customers" and c == "birth_date")]
            before, after = rows(bare, table, columns), rows(full, table, columns)
            assert before <= after, (table, sorted(before - after)[:3])
            if "id" in columns:  # every added row has an id above the highest one loaded before
                [(last,)] = bare.execute(f"select coalesce(max(id), 0) from dms.{table}").fetchall()
                query = f"select count(*) from dms.{table} where id > %s"
                assert full.execute(query, [last]).fetchone()[0] == len(after) - len(before), table
        changed = full.execute(
            "select count(*) from dms.customers where extract(month from birth_date) = 11"
            " and extract(day from birth_date) = 1"
        ).fetchone()[0]
        assert changed >= 2  # the birthdays it sets; every other column of customers is as it was
        # the reference date's USD rate is not loaded yet (exchange_rate_missing), the day before's is
        assert full.execute(
            "select array_agg(rate_date order by rate_date) from dms.exchange_rates where rate_date >= %s",
            [date(2026, 10, 31)],
        ).fetchone()[0] == [date(2026, 10, 31)]
    finally:
        drop(postgres, full, bare)


def test_the_same_seed_gives_the_same_catalogue_rows(postgres):
    first, second, other = (
        load(postgres, "demo_a"),
        load(postgres, "demo_b"),
        load(postgres, "demo_c", seed=8),
    )
    try:
        for table in CATALOGUE_TABLES:
            query = (
                f"select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from dms.{table} as t"
            )
            assert first.execute(query).fetchone() == second.execute(query).fetchone(), table
        query = "select md5(string_agg(t::text, '|' order by t::text)) from dms.leads as t"
        assert first.execute(query).fetchone() != other.execute(query).fetchone()
    finally:
        drop(postgres, first, second, other)


def test_the_fixed_cases_sit_in_the_windows_of_the_demo_date(postgres):
    conn = load(postgres, "demo_cases", customers=12)  # the fixed customers only
    window = ("2026-11-01 07:00-03", "2026-11-01 08:00-03")
    try:

        def one(query: str, *params: object) -> object:
            return conn.execute(query, params).fetchone()[0]

        arrivals = "select count(*) from dms.vehicle_sale_events where stage = %s and at >= %s and at < %s"
        assert one(arrivals, "arrived", *window) == 3
        assert one(arrivals, "ready_for_delivery", *window) == 5  # one of them cancelled since
        assert (
            one("select count(*) from dms.work_orders where finished_at >= %s and finished_at < %s", *window)
            == 3
        )
        assert (
            one(
                "select count(*) from dms.cheques where status = 'rejected' and customer_id is not null"
                " and status_changed_at >= %s and status_changed_at < %s",
                *window,
            )
            == 3
        )
        staff = conn.execute(
            "select role, count(*), count(*) filter (where not active), count(*) filter (where email is null)"
            " from dms.employees where role in ('sales_manager', 'warranty_admin', 'credit_manager')"
            " group by role order by role"
        ).fetchall()
        assert staff == [("credit_manager", 2, 0, 1), ("sales_manager", 5, 1, 1), ("warranty_admin", 1, 0, 0)]
        assert (
            one(
                "select count(*) from dms.quotes where status = 'open' and valid_until = %s",
                date(2026, 11, 4),
            )
            == 5
        )
        assert one("select count(*) from dms.customers where credit_limit is not null") == 3
        assert (
            one(
                "select count(*) from dms.customer_order_lines"
                " where status = 'reserved' and reserved_at is null"
            )
            == 0
        )
    finally:
        drop(postgres, conn)
