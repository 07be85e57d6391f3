"""`airflow backfill create` on a real scheduler sends exactly what the ledger lacks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.airflow_server import Standalone, session_connections
from tests.support.runs import ledger_rows, run_dag

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAG_ID = "alert_customer_statements"


def test_backfill_with_reprocessing_over_sent_dates_sends_only_what_is_missing(
    dms, dagbag, mail_sink, ledger, tmp_path
):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "statements.sql").read_text())
    # October's statements went out on schedule; September's never ran.
    assert run_dag(dagbag, DAG_ID, "2026-11-01T11:00:00+00:00").state == "success"
    assert len(mail_sink.store.messages) == 3
    mail_sink.store.clear()

    airflow = Standalone(tmp_path, session_connections()).start()
    try:
        airflow.wait_until_ready([DAG_ID])
        assert airflow.cli("dags", "unpause", DAG_ID).returncode == 0
        created = airflow.cli(
            "backfill",
            "create",
            "--dag-id",
            DAG_ID,
            "--from-date",
            "2026-10-01",
            "--to-date",
            "2026-11-02",
            "--reprocess-behavior",
            "completed",
        )
        assert created.returncode == 0, created.stdout + created.stderr
        # Both dates are backfilled: October's statements (run of 2026-11-01) were sent above,
        # September's (run of 2026-10-01) never were.
        deadline = time.monotonic() + 300
        runs: list[dict] = []
        while time.monotonic() < deadline:
            runs = airflow.dag_runs(DAG_ID)
            finished = all(r["state"] in ("success", "failed") for r in runs)
            if finished and {r["logical_date"][:10] for r in runs} >= {"2026-10-01", "2026-11-01"}:
                break
            time.sleep(5)
        assert sorted((r["logical_date"][:10], r["run_type"], r["state"]) for r in runs) == [
            ("2026-10-01", "backfill", "success"),
            ("2026-11-01", "backfill", "success"),
        ], runs
    finally:
        airflow.stop()

    # New: only September's statements (October's were sent before and are not sent again).
    assert sorted(m.rcpt_tos for m in mail_sink.store.messages) == [
        ["Pagos@transportes.example.com", "contaduria@transportes.example.com"],
        ["pedro@example.net"],
    ]
    rows = ledger_rows(ledger, "customer_statements")
    sent = sorted((r["recipient_ref"], r["business_key"]) for r in rows if r["status"] == "sent")
    assert sent == [
        ("customer:1", "statement:2026-09"),
        ("customer:1", "statement:2026-10"),
        ("customer:2", "statement:2026-10"),
        ("customer:8", "statement:2026-09"),
        ("customer:8", "statement:2026-10"),
    ]
    assert {r["attempts"] for r in rows if r["status"] == "sent"} == {1}
