"""The run log (`alerts.runs`) read back: what each run did, its summary as stored (JSON of any
version of the package; `summary.RunSummary.read` reads it). `deliveries.record_run` writes it.
The Alertas page and `ops runs` read the same rows through these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

_COLUMNS = "dag_id, run_id, family, run_date, finished_at, dry_run, summary"


@dataclass(frozen=True)
class RunRecord:
    """One row of the run log."""

    dag_id: str
    run_id: str
    family: str
    run_date: date | None
    finished_at: datetime
    dry_run: bool
    summary: dict[str, Any]


def latest(
    conn: Any,
    *,
    family: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 50,
) -> list[RunRecord]:
    """The runs that finished last (of `family`, with a run date in [date_from, date_to] when
    given), the latest first."""
    rows = conn.execute(
        f"""
        select {_COLUMNS}
          from alerts.runs
         where (%(family)s::text is null or family = %(family)s::text)
           and (%(date_from)s::date is null or run_date >= %(date_from)s::date)
           and (%(date_to)s::date is null or run_date <= %(date_to)s::date)
         order by finished_at desc, dag_id, run_id
         limit %(limit)s
        """,
        {"family": family, "date_from": date_from, "date_to": date_to, "limit": limit},
    ).fetchall()
    return [RunRecord(*row) for row in rows]


def one(conn: Any, dag_id: str, run_id: str) -> RunRecord | None:
    """The run log's row of one run, or None (not finished, or a ledger that lost it)."""
    row = conn.execute(
        f"select {_COLUMNS} from alerts.runs where dag_id = %s and run_id = %s", (dag_id, run_id)
    ).fetchone()
    return RunRecord(*row) if row else None


def of_runs(conn: Any, runs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], RunRecord]:
    """The run log's rows of these runs ((dag id, run id) pairs), by (dag id, run id)."""
    keys = set(runs)
    if not keys:
        return {}
    rows = conn.execute(
        f"select {_COLUMNS} from alerts.runs where run_id = any(%s) and dag_id = any(%s)",
        (sorted({run_id for _, run_id in keys}), sorted({dag_id for dag_id, _ in keys})),
    ).fetchall()
    found = (RunRecord(*row) for row in rows)
    return {(r.dag_id, r.run_id): r for r in found if (r.dag_id, r.run_id) in keys}
