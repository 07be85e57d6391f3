"""The delivery ledger in counts (no address, no recipient): per family and run date for the
Alertas page, per run date, state and reason for `ops deliveries`, per state for one run's tab.
Rows a sent digest carried (reason `in_digest`) are not messages and are not counted as sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from alertas_rapidas.delivery.states import IN_DIGEST, DeliveryState

_STATES = {str(state): str(state) for state in DeliveryState}  # bound as %(sent)s, %(skipped)s, ...

_FILTER = """
    (%(family)s::text is null or family = %(family)s::text)
    and (%(date_from)s::date is null or run_date >= %(date_from)s::date)
    and (%(date_to)s::date is null or run_date <= %(date_to)s::date)
"""


@dataclass
class DayCounts:
    """One family's messages of one run date, by state; the skipped ones by reason too."""

    family: str
    run_date: date | None
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    deferred: int = 0
    unknown: int = 0
    in_progress: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StateCount:
    """How many messages of a run date are in one state for one reason ('' for none)."""

    run_date: date | None
    status: str
    reason: str
    count: int


def by_family_and_day(
    conn: Any,
    *,
    family: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
) -> list[DayCounts]:
    """Counts per family and run date (of `family`, in [date_from, date_to] when given), the
    latest days first, at most `limit` of them."""
    filters = {"family": family, "date_from": date_from, "date_to": date_to}
    rows = conn.execute(
        f"""
        select family, run_date,
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
        {**filters, **_STATES, "in_digest": IN_DIGEST, "limit": limit},
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
            {**filters, **_STATES},
        ).fetchall()
        for name, run_date, reason, n in reasons:
            if (name, run_date) in days:
                days[(name, run_date)].skipped_by_reason[reason] = int(n)
    return list(days.values())


def by_day_state_and_reason(conn: Any, family: str, run_date: date | None = None) -> list[StateCount]:
    """A family's messages (of one run date when given) counted by run date, state and reason,
    the latest date first."""
    rows = conn.execute(
        """
        select run_date, status, coalesce(reason, ''), count(*)
          from alerts.deliveries
         where family = %(family)s and (%(day)s::date is null or run_date = %(day)s)
         group by 1, 2, 3
         order by 1 desc, 2, 3
        """,
        {"family": family, "day": run_date},
    ).fetchall()
    return [StateCount(day, status, reason, int(count)) for day, status, reason, count in rows]


def of_run(conn: Any, dag_id: str, run_id: str) -> dict[str, int]:
    """The messages this run was the last to touch, counted by state (a message a later run sent
    again belongs to that run); rows a sent digest carried are not messages."""
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


def _counts(values: Sequence[int]) -> tuple[int, int, int, int, int, int]:
    """A row's six counts (sent, skipped, failed, deferred, unknown, in progress), as ints."""
    sent, skipped, failed, deferred, unknown, in_progress = (int(n) for n in values)
    return sent, skipped, failed, deferred, unknown, in_progress
