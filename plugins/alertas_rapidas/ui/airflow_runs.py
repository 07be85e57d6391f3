"""Every run of an alert DAG as Airflow sees it (its metadata database), for the Alertas page.

The ledger's run log only holds runs that reached `summarize`; a run that failed at extract, waits
in retries or is still running is only in Airflow's `dag_run` and `task_instance` tables. Read in
the API server through Airflow's own session (the page runs inside it). States and task ids only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

AIRFLOW_RUN_ROWS = 50
ATTENTION = {"failed", "up_for_retry", "upstream_failed", "up_for_reschedule"}


@dataclass
class AirflowRun:
    dag_id: str
    run_id: str
    state: str
    run_after: datetime | None
    run_type: str
    tasks: dict[str, list[str]] = field(default_factory=dict)  # task state -> task ids

    @property
    def family(self) -> str:
        return self.dag_id.removeprefix("alert_")

    @property
    def attention(self) -> list[str]:
        """'extract: up_for_retry', ... for the tasks that failed or wait to be retried."""
        return [
            f"{task}: {state}"
            for state, ids in sorted(self.tasks.items())
            if state in ATTENTION
            for task in ids
        ]

    @property
    def shown_state(self) -> str:
        """The run's state, or `retrying` while a task of a running run waits for its retry."""
        if self.state == "running" and "up_for_retry" in self.tasks:
            return "retrying"
        return self.state

    @property
    def bad(self) -> bool:
        return self.state == "failed" or bool(self.attention)


def alert_runs(family: str | None = None, limit: int = AIRFLOW_RUN_ROWS) -> list[AirflowRun]:
    """The latest runs of the `alert_*` DAGs (or one family's) with their task states."""
    from airflow.models.dagrun import DagRun

    dag_filter = (
        DagRun.dag_id == f"alert_{family}" if family else DagRun.dag_id.like("alert\\_%", escape="\\")
    )
    return _runs([dag_filter], limit)


def alert_run(dag_id: str, run_id: str) -> AirflowRun | None:
    """One run (of any DAG) with its task states, or None."""
    from airflow.models.dagrun import DagRun

    found = _runs([DagRun.dag_id == dag_id, DagRun.run_id == run_id], 1)
    return found[0] if found else None


def _runs(conditions: list[Any], limit: int) -> list[AirflowRun]:
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(DagRun.dag_id, DagRun.run_id, DagRun.state, DagRun.run_after, DagRun.run_type)
            .where(*conditions)
            .order_by(DagRun.run_after.desc())
            .limit(limit)
        ).all()
        runs = {
            (dag_id, run_id): AirflowRun(dag_id, run_id, str(state or ""), run_after, str(run_type or ""))
            for dag_id, run_id, state, run_after, run_type in rows
        }
        if runs:
            tis = session.execute(
                select(TaskInstance.dag_id, TaskInstance.run_id, TaskInstance.task_id, TaskInstance.state)
                .where(TaskInstance.dag_id.in_({d for d, _ in runs}))
                .where(TaskInstance.run_id.in_({r for _, r in runs}))
            ).all()
            for dag_id, run_id, task_id, state in tis:
                run = runs.get((dag_id, run_id))
                if run is not None and state is not None:
                    ids = run.tasks.setdefault(str(state), [])
                    if task_id not in ids:
                        ids.append(task_id)
    return list(runs.values())
