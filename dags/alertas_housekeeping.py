"""Airflow DAG `alertas_housekeeping`: removes run folders older than the retention period, daily.

Not a family DAG (no `dags/families/` file): it sends nothing. Same work as
`python -m alertas_rapidas.ops housekeeping`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task

DOC = """
### Alertas Rápidas: housekeeping of run files

Every day, removes the run folders (`ALERTAS_WORK_DIR/<dag_id>/<run_id>/`: extracts, batches,
rendered `.eml` messages with their PDFs, outbox manifests) whose newest file is older than the
retention period, and logs what it removed (count, bytes, oldest).

Retention: the Airflow Variable `alertas_retention_days`, else the environment variable
`ALERTAS_RETENTION_DAYS`, else 30 days. Same work by hand:
`python -m alertas_rapidas.ops housekeeping [--older-than DAYS] [--dry-run]`.
The ledger's addresses are purged separately (`python -m alertas_rapidas.ops purge --before DATE`).
"""

with DAG(
    dag_id="alertas_housekeeping",
    description="Remove run folders (rendered messages, extracts) older than the retention period",
    schedule="30 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="America/Argentina/Buenos_Aires"),
    catchup=False,
    max_active_runs=1,
    tags=["alertas", "housekeeping", "retention"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=5)},
    doc_md=DOC,
) as dag:

    @task(multiple_outputs=False)
    def remove_old_run_folders() -> dict:
        """Remove the old run folders; return the counts (no paths, no personal data) for XCom."""
        from airflow.sdk import Variable

        from alertas_rapidas.retention import housekeeping

        report = housekeeping(Variable.get("alertas_retention_days", default=None))
        for line in report.lines():
            print(line)
        oldest = report.oldest
        return {
            "removed": len(report.removed),
            "bytes": report.bytes,
            "kept": report.kept,
            "oldest": oldest.newest.isoformat() if oldest else None,
        }

    remove_old_run_folders()
