"""What the page's overview and the run tab show, as JSON: counts, summaries and states only.

Never an address, recipient reference, business key or SMTP reply: those are the message search's
(`search`), for users who may trigger runs. Times are ISO 8601 with their offset; the page shows
them in the user's time zone.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from alertas_rapidas.ledger import tables
from alertas_rapidas.ledger.delivery_counts import DayCounts
from alertas_rapidas.ledger.unsubscribes import UnsubscribeCount
from alertas_rapidas.ui import queries
from alertas_rapidas.ui.queries import Filters, RunRow

log = logging.getLogger(__name__)


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def day_json(day: DayCounts) -> dict[str, Any]:
    return {
        "family": day.family,
        "run_date": iso(day.run_date),
        "sent": day.sent,
        "skipped": day.skipped,
        "failed": day.failed,
        "deferred": day.deferred,
        "unknown": day.unknown,
        "in_progress": day.in_progress,
        "skipped_by_reason": day.skipped_by_reason,
    }


def summary_json(row: RunRow) -> dict[str, Any]:
    """A run log row: its counts (wire names), mode, problems and held-back interfaces."""
    summary = row.summary
    return {
        "dag_id": row.dag_id,
        "run_id": row.run_id,
        "family": row.family,
        "run_date": iso(row.run_date),
        "finished_at": iso(row.finished_at),
        "mode": {"dry run": "dry_run"}.get(row.mode, row.mode),
        "complete": summary.complete,
        "counts": {
            name: summary.count(name)
            for name in (
                "candidates",
                "messages",
                "sent",
                "already_sent",
                "failed",
                "deferred",
                "unknown",
                "stranded",
                "refused_recipients",
                "redirected",
                "dry_run",
            )
        },
        "skipped": dict(summary.skipped),
        "held": dict(summary.held),
        "problems": row.problems,
        "held_back": row.held_back,
        # issue 25: the overrides the run used and the changes it was the first to apply (masked)
        "overrides": [dict(item) for item in summary.settings if item.get("source") == "override"],
        "changes": list(summary.changes),
        "settings_version": summary.settings_version,
    }


def unsubscribe_json(item: UnsubscribeCount) -> dict[str, Any]:
    return {"family": item.family, "recipients": item.recipients, "latest": iso(item.latest)}


def airflow_run_json(run: Any) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "family": run.family,
        "state": run.shown_state,
        "run_after": iso(run.run_after),
        "run_type": run.run_type,
        "attention": run.attention,
        "bad": run.bad,
    }


def airflow_runs_of(family: str | None) -> tuple[list[Any], str | None]:
    """Airflow's runs of the alert DAGs, or an error line when its database cannot be read."""
    from alertas_rapidas.ui.airflow_runs import alert_runs

    try:
        return alert_runs(family), None
    except Exception as exc:
        log.exception("Alertas Rápidas page: cannot read Airflow's runs")
        return [], f"Airflow's run list cannot be read: {type(exc).__name__}."


def unavailable(exc: Exception) -> str:
    return f"The ledger database (connection alerts_postgres) cannot be read: {type(exc).__name__}."


def overview(filters: Filters) -> tuple[dict[str, Any], int]:
    """The overview's data and its HTTP status (503 when the ledger cannot be read)."""
    runs, airflow_error = airflow_runs_of(filters.family)
    data: dict[str, Any] = {
        "ledger": True,
        "errors": [],
        "days": [],
        "runs": [],
        "unsubscribes": [],
        "mutes": [],
        "airflow_runs": [],
        "airflow_error": airflow_error,
        "limits": {"days": queries.DAY_ROWS, "runs": queries.RUN_ROWS},
    }
    summaries: dict[tuple[str, str], RunRow] = {}
    status = 200
    try:
        with queries.read_only_connection() as conn:
            if tables.ledger_exists(conn):
                data["days"] = [day_json(day) for day in queries.day_counts(conn, filters)]
                data["runs"] = [summary_json(row) for row in queries.last_runs(conn, filters)]
                data["unsubscribes"] = [
                    unsubscribe_json(u) for u in queries.unsubscribe_counts(conn, filters)
                ]
                summaries = queries.summaries_of(conn, runs)
                data["mutes"] = queries.active_mutes(conn, filters)
            else:
                data["ledger"] = False
    except Exception as exc:
        log.exception("Alertas Rápidas page: cannot read the ledger")
        data["errors"].append(unavailable(exc))
        data["ledger"] = None
        status = 503
    data["airflow_runs"] = [
        airflow_run_json(run)
        | {
            "summary": summary_json(summaries[key])
            if (key := (run.dag_id, run.run_id)) in summaries
            else None
        }
        for run in runs
    ]
    return data, status


def run_detail(dag_id: str, run_id: str) -> tuple[dict[str, Any], int]:
    """One run for its tab: the run log's summary, the ledger's counts of the messages it claimed,
    the causes of its failed tasks, and Airflow's state of it."""
    from alertas_rapidas.ledger import task_failures

    data: dict[str, Any] = {"dag_id": dag_id, "run_id": run_id, "errors": [], "airflow_error": None}
    try:
        airflow = _airflow_run(dag_id, run_id)
    except Exception as exc:
        log.exception("Alertas Rápidas run tab: cannot read Airflow's run")
        airflow, data["airflow_error"] = None, f"Airflow's run cannot be read: {type(exc).__name__}."
    data["airflow"] = airflow_run_json(airflow) if airflow is not None else None
    try:
        with queries.read_only_connection() as conn:
            if not tables.ledger_exists(conn):
                data.update(summary=None, messages={}, causes=[])
                return data, 200
            row = queries.run_of(conn, dag_id, run_id)
            data["summary"] = summary_json(row) if row else None
            data["messages"] = queries.run_message_counts(conn, dag_id, run_id)
            data["causes"] = [
                {"task_id": c["task_id"], "map_index": c["map_index"], "cause": c["cause"]}
                for c in (
                    task_failures.of_run(conn, dag_id, run_id) if tables.exist(conn, "task_failures") else []
                )
            ]
    except Exception as exc:
        log.exception("Alertas Rápidas run tab: cannot read the ledger")
        data["errors"].append(unavailable(exc))
        return data, 503
    return data, 200


def _airflow_run(dag_id: str, run_id: str) -> Any:
    """Airflow's record of one run (with its task states) when it is not among the latest."""
    from alertas_rapidas.ui.airflow_runs import alert_run

    return alert_run(dag_id, run_id)
