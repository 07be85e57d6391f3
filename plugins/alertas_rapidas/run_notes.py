"""A dry or redirected run says so in Airflow's run list: its DAG-run note, set when it starts.

Airflow 3.3 gives a task no way to write its own run's note (the Task SDK reads it only;
apache/airflow#64890), and a run id cannot be chosen from the trigger form's parameters. So this
listener, registered by the plugin (`listeners`), runs in the scheduler: when an alert DAG's run
starts (`on_dag_run_running`) with `dry_run` or `redirect_to` in its conf, the run gets a note
naming its mode. A note someone wrote when triggering stays, after the mode. The test address is
never written: the note says only that one was used.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl

log = logging.getLogger(__name__)

DAG_ID_PREFIX = "alert_"
NOTES = {
    "dry run": "DRY RUN: rendered only, nothing sent; the ledger is untouched.",
    "redirected": "REDIRECTED TEST RUN: every message went to the run's test address, none to its "
    "recipients; the ledger is untouched.",
}


def note_for(dag_id: str, conf: Any, current: str | None = None) -> str | None:
    """The note a run of `dag_id` with this conf should carry, or None to leave it alone."""
    if not dag_id.startswith(DAG_ID_PREFIX) or not isinstance(conf, dict):
        return None
    from alertas_rapidas.schedule.run_context import RunOptions

    mark = NOTES.get(RunOptions.from_params(conf).mode)
    if mark is None or (current or "").startswith(mark):
        return None
    return f"{mark}\n\n{current}" if current else mark


@hookimpl
def on_dag_run_running(dag_run: Any, msg: str) -> None:
    """Mark a dry or redirected alert run in its note (in the scheduler's own session)."""
    try:
        note = note_for(dag_run.dag_id, dag_run.conf, dag_run.note)
        if note is not None:
            dag_run.note = note
    except Exception:  # a listener must never stop the scheduler from starting a run
        log.warning("Could not mark the mode of run %s of %s in its note", dag_run.run_id, dag_run.dag_id)
