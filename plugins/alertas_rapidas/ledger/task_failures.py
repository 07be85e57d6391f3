"""Why a run's tasks failed (`alerts.task_failures`): one cause line per task instance, its latest
failed try. `task_errors` writes them; the run's summary, the failure notice, `ops runs` and the
Alertas page's run tab read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict


class TaskFailure(TypedDict):
    """A failed task instance's stored cause."""

    task_id: str
    map_index: int
    try_number: int
    cause: str
    configuration_error: bool
    failed_at: datetime


class UnsummarisedFailure(TypedDict):
    """A run whose tasks failed and that recorded no summary (yet): its causes, oldest first."""

    dag_id: str
    run_id: str
    failed_at: datetime
    causes: list[str]


def record(
    conn: Any,
    *,
    dag_id: str,
    run_id: str,
    task_id: str,
    map_index: int,
    try_number: int,
    cause: str,
    configuration_error: bool,
) -> None:
    """Store the cause of a task instance's failed try (a later try's replaces it)."""
    conn.execute(
        """
        insert into alerts.task_failures
            (dag_id, run_id, task_id, map_index, try_number, cause, configuration_error)
        values (%s, %s, %s, %s, %s, %s, %s)
        on conflict (dag_id, run_id, task_id, map_index) do update
            set try_number = excluded.try_number, cause = excluded.cause,
                configuration_error = excluded.configuration_error, failed_at = now()
        """,
        (dag_id, run_id, task_id, map_index, try_number, cause, configuration_error),
    )


def of_run(conn: Any, dag_id: str, run_id: str) -> list[TaskFailure]:
    """The stored causes of a run's failed tasks (the latest try of each), in task order."""
    rows = conn.execute(
        """
        select task_id, map_index, try_number, cause, configuration_error, failed_at
          from alerts.task_failures
         where dag_id = %s and run_id = %s
         order by failed_at, task_id, map_index
        """,
        (dag_id, run_id),
    ).fetchall()
    return [
        TaskFailure(
            task_id=task_id,
            map_index=map_index,
            try_number=try_number,
            cause=cause,
            configuration_error=configuration_error,
            failed_at=failed_at,
        )
        for task_id, map_index, try_number, cause, configuration_error, failed_at in rows
    ]


def unsummarised(conn: Any, dag_id: str | None = None, limit: int = 20) -> list[UnsummarisedFailure]:
    """Runs (of `dag_id` when given) whose tasks failed but that recorded no summary: still
    retrying, or whose summary could not be written. The newest failure first."""
    rows = conn.execute(
        """
        select f.dag_id, f.run_id, max(f.failed_at), array_agg(f.cause order by f.failed_at)
          from alerts.task_failures f
         where not exists (select 1 from alerts.runs r where r.dag_id = f.dag_id and r.run_id = f.run_id)
           and (%(dag_id)s::text is null or f.dag_id = %(dag_id)s)
         group by f.dag_id, f.run_id
         order by 3 desc
         limit %(limit)s
        """,
        {"dag_id": dag_id, "limit": limit},
    ).fetchall()
    return [
        UnsummarisedFailure(dag_id=dag_id, run_id=run_id, failed_at=at, causes=list(causes))
        for dag_id, run_id, at, causes in rows
    ]
