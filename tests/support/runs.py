"""Run a DAG for a logical date with `dag.test()` and read back what happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def run_dag(dagbag: Any, dag_id: str, logical_date: str, **conf: Any) -> Any:
    """Run `dag_id` for `logical_date` (ISO 8601 with offset); return the finished DagRun."""
    dag = dagbag.get_dag(dag_id)
    assert dag is not None, f"{dag_id} not in the DagBag: {dagbag.import_errors}"
    return dag.test(logical_date=datetime.fromisoformat(logical_date), run_conf=conf or None)


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
