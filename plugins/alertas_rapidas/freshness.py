"""Interface freshness: has an interface succeeded recently enough before the run instant T?

One rule serves the freshness sensor at the head of families fed by an interface and the
`interfaces_not_run` family: an interface is fresh when its last successful run finished within
`max_age` before T (runs finishing after T are ignored, so a backfill judges T as it was).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

FRESHNESS_SQL = "_shared/interface_freshness.sql"


@dataclass(frozen=True)
class InterfaceFreshness:
    code: str
    max_age: timedelta
    at: datetime
    last_success: datetime | None
    known: bool = True  # False when no interface has this code

    @property
    def age(self) -> timedelta | None:
        return None if self.last_success is None else self.at - self.last_success

    @property
    def fresh(self) -> bool:
        return self.age is not None and self.age <= self.max_age

    def describe(self) -> str:
        """One line for logs and summaries (interface codes and times only: nothing personal)."""
        if not self.known:
            return f"{self.code}: no such interface in the DMS"
        if self.last_success is None:
            return f"{self.code}: never succeeded (limit {_hours(self.max_age)})"
        state = "fresh" if self.fresh else "STALE"
        return (
            f"{self.code}: {state}, last success {self.last_success.isoformat()} "
            f"({_hours(self.age)} before the run; limit {_hours(self.max_age)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "interface": self.code,
            "fresh": self.fresh,
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "age_hours": round(self.age.total_seconds() / 3600, 1) if self.age is not None else None,
            "max_age_hours": round(self.max_age.total_seconds() / 3600, 1),
        }


def _hours(value: timedelta | None) -> str:
    if value is None:
        return "-"
    hours = value.total_seconds() / 3600
    return f"{hours / 24:.1f} d" if hours >= 48 else f"{hours:.1f} h"


def judge(rows: list[dict[str, Any]], limits: dict[str, timedelta], at: datetime) -> list[InterfaceFreshness]:
    """Freshness of every interface in `limits`, from the rows of `interface_freshness.sql`."""
    by_code = {row["code"]: row for row in rows}
    return [
        InterfaceFreshness(
            code=code,
            max_age=max_age,
            at=at,
            last_success=(by_code.get(code) or {}).get("last_success"),
            known=code in by_code,
        )
        for code, max_age in sorted(limits.items())
    ]


def check_interfaces(conn: Any, limits: dict[str, timedelta], at: datetime) -> list[InterfaceFreshness]:
    """Run the freshness query on a DMS connection and judge each interface."""
    from psycopg.rows import dict_row

    from alertas_rapidas.sql_files import read_sql

    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(read_sql(FRESHNESS_SQL), {"codes": sorted(limits), "at": at}).fetchall()
    return judge(rows, limits, at)
