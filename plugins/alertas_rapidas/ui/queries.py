"""What the page reads from the ledger database: counts per family and day, and the last runs.

The queries are the ledger's (`alertas_rapidas.ledger`); this module validates the page's filters
before they get there, opens the read-only connection and reads the run log's summaries into the
typed summary. Only counts and ids leave it (never `recipients`, `recipient_ref`, `business_key`,
`refused` or `smtp_response`: the message search, `search.py`, reads those).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.ledger import delivery_counts, mutes, runs, tables, unsubscribes
from alertas_rapidas.ledger.delivery_counts import DayCounts
from alertas_rapidas.ledger.runs import RunRecord
from alertas_rapidas.ledger.unsubscribes import UnsubscribeCount
from alertas_rapidas.summary import RunSummary

FAMILY_PATTERN = re.compile(r"[a-z0-9_]{1,63}")
DAG_ID_PATTERN = re.compile(r"[A-Za-z0-9_.\-]{1,250}")
MAX_RUN_ID = 250
DAY_ROWS = 200  # at most this many (family, day) rows, the latest days first
RUN_ROWS = 50  # at most this many runs, the latest first
STATEMENT_TIMEOUT = "15s"


class FilterError(ValueError):
    """Query parameters the page refuses; `errors` says which and why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Filters:
    family: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def parse(cls, family: str | None, date_from: str | None, date_to: str | None) -> Filters:
        """Validate the page's query parameters (empty means no filter); raise FilterError."""
        errors = []
        family = (family or "").strip() or None
        if family is not None and not FAMILY_PATTERN.fullmatch(family):
            errors.append("family: use a family key (lower-case letters, digits and _)")
        parsed: dict[str, date | None] = {}
        for name, value in (("from", date_from), ("to", date_to)):
            value = (value or "").strip()
            try:
                parsed[name] = date.fromisoformat(value) if value else None
            except ValueError:
                errors.append(f"{name}: not a date (YYYY-MM-DD)")
                parsed[name] = None
        start, end = parsed["from"], parsed["to"]
        if start and end and start > end:
            errors.append("from: must not be after to")
        if errors:
            raise FilterError(errors)
        return cls(family=family, date_from=start, date_to=end)

    def sql_params(self) -> dict[str, Any]:
        return {"family": self.family, "date_from": self.date_from, "date_to": self.date_to}


@dataclass
class RunRow:
    dag_id: str
    run_id: str
    family: str
    run_date: date | None
    finished_at: datetime
    dry_run: bool
    summary: RunSummary  # given as stored (JSON of any version), read into the typed summary

    @classmethod
    def of(cls, record: RunRecord) -> RunRow:
        """A run log row as the page shows it."""
        return cls(
            record.dag_id,
            record.run_id,
            record.family,
            record.run_date,
            record.finished_at,
            record.dry_run,
            record.summary,  # type: ignore[arg-type]  # read into the typed summary just below
        )

    def __post_init__(self) -> None:
        try:
            self.summary = RunSummary.read(self.summary)
        except ValidationError:  # a row no version of the package wrote: show the run, no counts
            self.summary = RunSummary(family=self.family, run_date=self.run_date)

    def count(self, name: str) -> int:
        return self.summary.count(name)

    @property
    def skipped(self) -> dict[str, int]:
        return dict(self.summary.skipped)

    @property
    def mode(self) -> str:
        if self.dry_run or self.summary.is_dry_run:
            return "dry run"
        if self.summary.redirected:
            return "redirected"
        return "normal"

    @property
    def problems(self) -> list[str]:
        return list(self.summary.problems)

    @property
    def held_back(self) -> list[str]:
        """The stale interfaces a run waited for in vain (interface names only)."""
        return [item.interface for item in self.summary.held_back]

    @property
    def line(self) -> str:
        return one_line(self.summary)


def one_line(summary: RunSummary | Mapping[str, Any]) -> str:
    """A run summary in one line: "sent 44, skipped 14 (inactive 3, no_email 2, ...), failed 0"."""
    summary = RunSummary.read(summary)
    by_reason = ", ".join(f"{reason} {n}" for reason, n in sorted(summary.skipped.items()))
    parts = []
    if summary.is_dry_run:
        parts.append(f"DRY RUN: rendered {summary.rendered_unsent}")
    parts.append(f"sent {summary.sent}")
    if summary.already_sent:
        parts.append(f"already sent {summary.already_sent}")
    total = summary.skipped_total
    parts.append(f"skipped {total} ({by_reason})" if by_reason else f"skipped {total}")
    parts.append(f"failed {summary.failed}")
    for name in ("deferred", "unknown", "redirected"):
        if summary.count(name):
            parts.append(f"{name} {summary.count(name)}")
    if summary.held_back:
        parts.append("held back: stale data")
    return ", ".join(parts)


@contextmanager
def read_only_connection(conn_id: str = ALERTS_CONN_ID) -> Generator[Any, None, None]:
    """A psycopg connection to the ledger database whose transactions are read-only."""
    import psycopg
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    conn = PostgresHook(postgres_conn_id=conn_id).get_conn()
    if not isinstance(conn, psycopg.Connection):  # the provider's psycopg2 fallback (SQLAlchemy 1)
        conn.close()
        raise RuntimeError(f"{conn_id}: the postgres provider did not connect through psycopg 3")
    try:
        conn.autocommit = False
        conn.read_only = True
        conn.execute("select set_config('statement_timeout', %s, false)", (STATEMENT_TIMEOUT,))
        yield conn
    finally:
        conn.rollback()
        conn.close()


def day_counts(conn: Any, filters: Filters, limit: int = DAY_ROWS) -> list[DayCounts]:
    """Ledger counts per family and run date, the latest days first."""
    return delivery_counts.by_family_and_day(conn, **filters.sql_params(), limit=limit)


def last_runs(conn: Any, filters: Filters, limit: int = RUN_ROWS) -> list[RunRow]:
    return [RunRow.of(record) for record in runs.latest(conn, **filters.sql_params(), limit=limit)]


def run_of(conn: Any, dag_id: str, run_id: str) -> RunRow | None:
    record = runs.one(conn, dag_id, run_id)
    return RunRow.of(record) if record else None


def unsubscribe_counts(conn: Any, filters: Filters | None = None) -> list[UnsubscribeCount]:
    """Unsubscribes per family (counts and the latest date, no recipient), the filter's family and
    `*` only when it names one; [] before the table exists."""
    if not tables.exist(conn, "unsubscribes"):
        return []
    return unsubscribes.counts(conn, filters.family if filters else None)


def summaries_of(conn: Any, airflow_runs: list[Any]) -> dict[tuple[str, str], RunRow]:
    """The run log's rows of these Airflow runs, by (dag id, run id)."""
    found = runs.of_runs(conn, [(r.dag_id, r.run_id) for r in airflow_runs])
    return {key: RunRow.of(record) for key, record in found.items()}


def run_message_counts(conn: Any, dag_id: str, run_id: str) -> dict[str, int]:
    """The ledger's messages this run was the last to touch, counted by state (a message a later
    run sent again belongs to that run); rows a sent digest carried are not messages."""
    return delivery_counts.of_run(conn, dag_id, run_id)


def active_mutes(conn: Any, filters: Filters | None = None) -> list[dict[str, Any]]:
    """The families switched off (an open-ended mute) or muted now: who, since, until, why;
    [] before the table exists. Staff names and reasons only: no address."""
    from alertas_rapidas.overrides import mask

    if not tables.exist(conn, "mutes"):
        return []
    # staff names and reasons only: an address typed in a reason is masked
    return [
        {
            "family": mute.family,
            "state": "off" if mute.muted_until is None else "muted",
            "since": mute.muted_from.isoformat(),
            "until": mute.muted_until.isoformat() if mute.muted_until else None,
            "by": mute.muted_by,
            "reason": mask(
                mute.reason
            ),  # counts and states only here: an address typed in a reason is masked
        }
        for mute in mutes.active(conn, filters.family if filters else None)
    ]
