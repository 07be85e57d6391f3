"""Run files in an S3-compatible bucket: a real SeaweedFS server, a real DAG run, real housekeeping.

`ALERTAS_WORK_DIR=s3://alertas/<prefix>` with `ALERTAS_WORK_CONN_ID` naming an Airflow `aws`
connection (endpoint_url in its extra): the statements DAG extracts, plans, renders and delivers
with every intermediate file in the bucket and none on the local disk; housekeeping then removes
the run's objects once they are older than the retention, and reports what it removed.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from alertas_dev.object_store import seaweedfs
from alertas_rapidas.ledger.retention import housekeeping
from tests.support.runs import ledger_rows, run_dag

pytestmark = pytest.mark.e2e

DAG_ID = "alert_customer_statements"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"
PREFIX = "work-e2e"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture
def run_files_in_bucket(store, monkeypatch):
    for name, value in store.env(PREFIX).items():
        monkeypatch.setenv(name, value)


def test_a_statements_run_keeps_every_run_file_in_the_bucket(
    statements_dms, dagbag, mail_sink, ledger, store, run_files_in_bucket, session_dir
):
    local_before = set((session_dir / "work").rglob("*")) if (session_dir / "work").exists() else set()

    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES, retries=0)
    assert run.state == "success"

    # Three statements, each delivered once, with its PDF, from .eml files read back from the bucket.
    received = mail_sink.store.messages
    assert len(received) == 3
    for message in received:
        parsed = email.message_from_bytes(message.data, policy=policy.default)
        assert [part.get_content_type() for part in parsed.iter_attachments()] == ["application/pdf"]
    assert [row["status"] for row in ledger_rows(ledger, "customer_statements")].count("sent") == 3

    # The run's files are objects under s3://alertas/work-e2e/<dag_id>/<run_id>/ ...
    keys = store.keys(f"{PREFIX}/{DAG_ID}/")
    run_prefixes = {"/".join(key.split("/")[:3]) for key in keys}
    assert len(run_prefixes) == 1
    names = {key.split("/", 3)[3] for key in keys}
    assert {"extract/customers.parquet", "extract/balances.parquet", "extract/movements.parquet"} <= names
    assert {"plan/plan.json", "plan/skipped.json", "plan/batches/batch-0001.json"} <= names
    # one object for the batch's three messages and their manifest (alertas_rapidas.delivery.outbox)
    assert [name for name in names if "/outbox/" in name] == ["plan/outbox/batch-0001.zip"]
    from alertas_rapidas.delivery.outbox import read_outbox
    from alertas_rapidas.storage import run_dir

    batch = read_outbox(run_dir(DAG_ID, run.run_id) / "plan" / "outbox" / "batch-0001.zip")
    assert len(batch.entries) == 3 and all(
        batch.payload(entry).startswith(b"From:") for entry in batch.entries
    )
    # ... and nothing was written to the local work folder.
    local_after = set((session_dir / "work").rglob("*")) if (session_dir / "work").exists() else set()
    assert local_after == local_before

    # A second run of the same date reads the bucket again and sends nothing twice.
    again = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES, retries=0)
    assert again.state == "success"
    assert len(mail_sink.store.messages) == 3

    # Housekeeping: nothing is old yet; 31 days later both runs' objects go, with a report.
    assert housekeeping(30).removed == []
    later = datetime.now(UTC) + timedelta(days=31)
    dry = housekeeping(30, dry_run=True, now=later)
    assert len(dry.removed) == 2 and store.keys(f"{PREFIX}/{DAG_ID}/")
    report = housekeeping(30, now=later)
    assert len(report.removed) == 2 and report.kept == 0
    assert (
        report.bytes
        == sum(
            item["Size"]
            for page in store.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=store.bucket, Prefix="")
            for item in page.get("Contents", [])
        )
        or report.bytes > 0
    )
    assert report.lines()[0].startswith("removed 2 run folder(s), ")
    assert f"under s3://{store.bucket}/{PREFIX}" in report.lines()[0]
    assert report.oldest.name.startswith(f"{DAG_ID}/")
    assert store.keys(f"{PREFIX}/{DAG_ID}/") == []
