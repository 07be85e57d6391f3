"""What the page reads from the ledger database: counts per family and day, and the last runs.

Every query is a fixed SQL text with bound parameters; the filter values are validated before
they get here. Only counts and ids leave this module (never `recipients`, `recipient_ref`,
`business_key`, `refused` or `smtp_response`: the message search, `search.py`, reads those).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.delivery.states import IN_DIGEST, DeliveryState
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
class DayCounts:
    family: str
    run_date: date | None
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0
    unknown: int = 0
    in_progress: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)


def _counts(values: Sequence[int]) -> tuple[int, int, int, int, int, int]:
    """A row's six counts (sent, skipped, failed, deferred, unknown, in progress), as ints."""
    sent, skipped, failed, deferred, unknown, in_progress = (int(n) for n in values)
    return sent, skipped, failed, deferred, unknown, in_progress


@dataclass
class RunRow:
    dag_id: str
    run_id: str
    family: str
    run_date: date | None
    finished_at: datetime
    dry_run: bool
    summary: RunSummary  # given as stored (JSON of any version), read into the typed summary

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


def ledger_exists(conn: Any) -> bool:
    row = conn.execute(
        "select to_regclass('alerts.deliveries') is not null and to_regclass('alerts.runs') is not null"
    ).fetchone()
    return bool(row and row[0])


def has_table(conn: Any, name: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (f"alerts.{name}",)).fetchone()
    return bool(row and row[0])


_STATES = {str(state): str(state) for state in DeliveryState}  # bound as %(sent)s, %(skipped)s, ...

_FILTER = """
    (%(family)s::text is null or family = %(family)s::text)
    and (%(date_from)s::date is null or run_date >= %(date_from)s::date)
    and (%(date_to)s::date is null or run_date <= %(date_to)s::date)
"""


def day_counts(conn: Any, filters: Filters, limit: int = DAY_ROWS) -> list[DayCounts]:
    """Ledger counts per family and run date, the latest days first."""
    rows = conn.execute(
        f"""
        select family, run_date,
               -- messages only: rows a digest carried (reason in_digest) are not messages
               count(*) filter (where status = %(sent)s and reason is distinct from %(in_digest)s) as sent,
               count(*) filter (where status = %(skipped)s) as skipped,
               count(*) filter (where status = %(failed)s) as failed,
               count(*) filter (where status = %(deferred)s) as deferred,
               count(*) filter (where status = %(unknown)s) as unknown,
               count(*) filter (where status in (%(pending)s, %(sending)s)) as in_progress
          from alerts.deliveries
         where {_FILTER}
         group by family, run_date
         order by run_date desc nulls last, family
         limit %(limit)s
        """,
        {**filters.sql_params(), **_STATES, "in_digest": IN_DIGEST, "limit": limit},
    ).fetchall()
    days = {(r[0], r[1]): DayCounts(r[0], r[1], *_counts(r[2:])) for r in rows}
    if days:
        reasons = conn.execute(
            f"""
            select family, run_date, coalesce(reason, 'none'), count(*)
              from alerts.deliveries
             where status = %(skipped)s and {_FILTER}
             group by 1, 2, 3
             order by 1, 2, 3
            """,
            {**filters.sql_params(), **_STATES},
        ).fetchall()
        for family, run_date, reason, n in reasons:
            if (family, run_date) in days:
                days[(family, run_date)].skipped_by_reason[reason] = int(n)
    return list(days.values())


def last_runs(conn: Any, filters: Filters, limit: int = RUN_ROWS) -> list[RunRow]:
    rows = conn.execute(
        f"""
        select dag_id, run_id, family, run_date, finished_at, dry_run, summary
          from alerts.runs
         where {_FILTER}
         order by finished_at desc, dag_id, run_id
         limit %(limit)s
        """,
        {**filters.sql_params(), "limit": limit},
    ).fetchall()
    return [RunRow(*row) for row in rows]


def run_of(conn: Any, dag_id: str, run_id: str) -> RunRow | None:
    row = conn.execute(
        """
        select dag_id, run_id, family, run_date, finished_at, dry_run, summary
          from alerts.runs
         where dag_id = %s and run_id = %s
        """,
        (dag_id, run_id),
    ).fetchone()
    return RunRow(*row) if row else None


@dataclass(frozen=True)
class UnsubscribeCount:
    """How many recipients unsubscribed from a family (`*`: from every recurring family)."""

    family: str
    recipients: int
    latest: datetime


def unsubscribe_counts(conn: Any, filters: Filters | None = None) -> list[UnsubscribeCount]:
    """Unsubscribes per family (counts and the latest date, no recipient), the filter's family and
    `*` only when it names one; [] before the table exists."""
    row = conn.execute("select to_regclass('alerts.unsubscribes') is not null").fetchone()
    if not (row and row[0]):
        return []
    family = filters.family if filters else None
    rows = conn.execute(
        """
        select family, count(*), max(unsubscribed_at)
          from alerts.unsubscribes
         where %(family)s::text is null or family in (%(family)s::text, '*')
         group by family
         order by family = '*' desc, family
        """,
        {"family": family},
    ).fetchall()
    return [UnsubscribeCount(name, int(count), latest) for name, count, latest in rows]


def summaries_of(conn: Any, runs: list[Any]) -> dict[tuple[str, str], RunRow]:
    """The run log's rows of these Airflow runs, by (dag id, run id)."""
    if not runs:
        return {}
    rows = conn.execute(
        """
        select dag_id, run_id, family, run_date, finished_at, dry_run, summary
          from alerts.runs
         where run_id = any(%s) and dag_id = any(%s)
        """,
        (list({r.run_id for r in runs}), list({r.dag_id for r in runs})),
    ).fetchall()
    return {(row[0], row[1]): RunRow(*row) for row in rows}


def run_message_counts(conn: Any, dag_id: str, run_id: str) -> dict[str, int]:
    """The ledger's messages this run was the last to touch, counted by state (a message a later
    run sent again belongs to that run); rows a sent digest carried are not messages."""
    rows = conn.execute(
        """
        select status, count(*)
          from alerts.deliveries
         where dag_id = %s and run_id = %s and reason is distinct from %s
         group by status
        """,
        (dag_id, run_id, IN_DIGEST),
    ).fetchall()
    return {str(status): int(n) for status, n in rows}


def active_mutes(conn: Any, filters: Filters | None = None) -> list[dict[str, Any]]:
    """The families switched off (an open-ended mute) or muted now: who, since, until, why;
    [] before the table exists. Staff names and reasons only: no address."""
    from alertas_rapidas.overrides import mask

    if not has_table(conn, "mutes"):
        return []
    rows = conn.execute(
        """
        select family, muted_from, muted_until, muted_by, reason from alerts.mutes
         where muted_from <= now() and (muted_until is null or now() < muted_until)
           and (ended_at is null or now() < ended_at)
           and (%(family)s::text is null or family = %(family)s::text)
         order by family, muted_from desc
        """,
        {"family": filters.family if filters else None},
    ).fetchall()
    return [
        {
            "family": family,
            "state": "off" if until is None else "muted",
            "since": since.isoformat(),
            "until": until.isoformat() if until else None,
            "by": by,
            "reason": mask(reason),  # counts and states only here: an address typed in a reason is masked
        }
        for family, since, until, by, reason in rows
    ]
