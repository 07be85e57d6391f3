"""Airflow DAG `alertas_housekeeping`: the package's daily upkeep.

Not a family DAG (no `dags/families/` file): it sends nothing. It applies the ledger's pending
schema migrations (`ops migrate`), turns messages left `sending` by tasks that stopped into
`unknown` (alertas_rapidas.ledger.recovery), and removes run folders older than the retention period
(`ops housekeeping`).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, task

DOC = """
### Alertas Rápidas: housekeeping

Every day:

1. **applies the ledger's pending schema migrations** (`sql/alerts/migrations/`), as
   `python -m alertas_rapidas.ops migrate` does;
2. **recovers stranded messages**: any message left `sending` by a deliver task that is no longer
   running (Airflow says so, or its heartbeat is older than the family's `claim_lease`) becomes
   `unknown`, with a reason naming that task; `ops deliveries --state unknown` lists them and
   `ops reopen` or `resend_unknown` sends them again, once, when a person decides so;
3. removes the run folders (`ALERTAS_WORK_DIR/<dag_id>/<run_id>/`: extracts, batches,
rendered `.eml` messages with their PDFs, outbox manifests) whose newest file is older than the
retention period, and logs what it removed (count, bytes, oldest).

Retention: the Airflow Variable `alertas_retention_days`, else the environment variable
`ALERTAS_RETENTION_DAYS`, else 30 days. Same work by hand:
`python -m alertas_rapidas.ops housekeeping [--older-than DAYS] [--dry-run]`.
The ledger's addresses are purged separately (`python -m alertas_rapidas.ops purge --before DATE`).
"""

with DAG(
    dag_id="alertas_housekeeping",
    description="Apply ledger migrations, recover stranded messages, remove old run folders",
    schedule="30 3 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="America/Argentina/Buenos_Aires"),
    catchup=False,
    max_active_runs=1,
    tags=["alertas", "housekeeping", "retention"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=5)},
    doc_md=DOC,
) as dag:

    @task(multiple_outputs=False)
    def apply_ledger_migrations() -> list[str]:
        """Apply what `sql/alerts/migrations/` has that the ledger lacks; return their names."""
        from alertas_rapidas.connections import ALERTS_CONN_ID
        from alertas_rapidas.ledger.deliveries import ledger_connection
        from alertas_rapidas.ledger.migrations import migrate

        with ledger_connection(ALERTS_CONN_ID, migrate=False) as conn:
            return [migration.label for migration in migrate(conn)]

    @task(multiple_outputs=False)
    def recover_stranded_messages(**context) -> dict:
        """Messages left `sending` by tasks that stopped become `unknown`; counts by family."""
        from collections import Counter

        from alertas_rapidas.connections import ALERTS_CONN_ID
        from alertas_rapidas.ledger.deliveries import ledger_connection
        from alertas_rapidas.ledger.recovery import expire_stranded, family_lease, task_state_reader

        with ledger_connection(ALERTS_CONN_ID) as conn:
            stranded = expire_stranded(conn, lease=family_lease, state_of=task_state_reader(context["ti"]))
        return dict(Counter(item.family for item in stranded))

    @task(multiple_outputs=False)
    def remove_old_run_folders() -> dict:
        """Remove the old run folders; return the counts (no paths, no personal data) for XCom."""
        from airflow.sdk import Variable

        from alertas_rapidas.ledger.retention import housekeeping

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

    apply_ledger_migrations() >> recover_stranded_messages() >> remove_old_run_folders()
