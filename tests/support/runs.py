"""Run a DAG for a logical date with `dag.test()` and read back what happened."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from alertas_rapidas.dag_factory import run_params


def run_dag(
    dagbag: Any, dag_id: str, logical_date: str | None, *, retries: int | None = None, **conf: Any
) -> Any:
    """Run `dag_id` for `logical_date` (ISO 8601 with offset); return the finished DagRun.

    `logical_date=None` makes a manual run with no logical date (its run_after is now, so every
    such run has a run id of its own). `retries` overrides every task's retries for this run (with
    no delay between tries).
    """
    dag = dagbag.get_dag(dag_id)
    assert dag is not None, f"{dag_id} not in the DagBag: {dagbag.import_errors}"
    return run(dag, logical_date, retries=retries, **conf)


def family_dag(key: str, **changes: Any) -> Any:
    """The DAG of family `key` as the factory builds it, with config fields changed (e.g.
    `claim_lease=timedelta(seconds=3)`); run it with `run`. Its dag_id is the package's, so the
    metadata database knows it."""
    from alertas_rapidas.dag_factory import assemble_dag
    from alertas_rapidas.engine.family import family_for
    from alertas_rapidas.families.registry import load_config

    config, settings = load_config(key)
    config = config.model_copy(update=changes)
    return assemble_dag(config, settings, family_for(config))


def run(dag: Any, logical_date: str | None, *, retries: int | None = None, **conf: Any) -> Any:
    """Run a DAG object with `dag.test()` (see `run_dag`)."""
    saved = [(task, task.retries, task.retry_delay) for task in dag.tasks]
    if retries is not None:
        for task in dag.tasks:
            task.retries, task.retry_delay = retries, timedelta(0)
    # dag.test() keeps a run's conf in the DAG's params, so every run states all of them.
    run_conf = {name: param.value for name, param in run_params().items()} | conf
    try:
        when = datetime.fromisoformat(logical_date) if logical_date else None
        return dag.test(logical_date=when, run_conf=run_conf)
    finally:
        for task, task_retries, delay in saved:
            task.retries, task.retry_delay = task_retries, delay


def ledger_rows(conn: Any, family: str) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(
            "select recipient_ref, business_key, status, reason, recipients, attempts "
            "from alerts.deliveries where family = %s order by recipient_ref",
            (family,),
        ).fetchall()


def last_summary(conn: Any, dag_id: str) -> dict[str, Any]:
    row = conn.execute(
        "select summary from alerts.runs where dag_id = %s order by finished_at desc limit 1", (dag_id,)
    ).fetchone()
    assert row is not None, f"no run summary recorded for {dag_id}"
    return row[0]


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def xlsx_rows(data: bytes) -> list[tuple]:
    """The cell values of an XLSX attachment's first sheet, row by row."""
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
