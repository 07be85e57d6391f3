"""Which of the package's tables and columns a ledger has: one not migrated that far lacks the
newer ones, and the readers that run against any version (the Alertas page) look first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SCHEMA = "alerts"


def exist(conn: Any, *tables: str) -> bool:
    """Whether every one of `tables` (names in the package's schema: `deliveries`, `runs`) exists."""
    row = conn.execute(
        "select coalesce(bool_and(to_regclass(name) is not null), true) from unnest(%s::text[]) as name",
        ([f"{SCHEMA}.{table}" for table in tables],),
    ).fetchone()
    return bool(row and row[0])


def ledger_exists(conn: Any) -> bool:
    """Whether the ledger is there at all: its deliveries and its run log."""
    return exist(conn, "deliveries", "runs")


def present_columns(conn: Any, table: str, columns: Iterable[str]) -> set[str]:
    """Those of `columns` that the package's `table` has."""
    rows = conn.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s and column_name = any(%s)",
        (SCHEMA, table, list(columns)),
    ).fetchall()
    return {name for (name,) in rows}
