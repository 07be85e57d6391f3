"""The statements DAG on a real CeleryExecutor: two workers that share no disk.

Redis (Debian's redis-server) as broker, PostgreSQL as Airflow's metadata database, the API
server, scheduler and DAG processor, and two Celery workers (`w1`, `w2`), each with its own
AIRFLOW_HOME and working directory; run files are objects in a SeaweedFS bucket (s3://). A run
over 2,000 customers: every statement is sent exactly once, and the mapped render/deliver tasks
ran on both workers. Timing (whether deliveries start before the last render) is reported by
`make bench`, not asserted here.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from alertas_dev.celery_stack import CeleryStack, StackError
from alertas_dev.object_store import seaweedfs

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "alert_customer_statements"
CUSTOMERS = 2_000
BATCH_SIZE = 200  # about 8 batches: enough mapped tasks for two one-slot workers


def statements_dags(folder: Path) -> Path:
    """A DAGs folder with the statements DAG alone, batches of BATCH_SIZE."""
    family = "customer_statements"
    (folder / "families").mkdir(parents=True)
    shutil.copy(ROOT / "dags" / f"{DAG_ID}.py", folder / f"{DAG_ID}.py")
    shutil.copy(ROOT / "dags" / "families" / "_defaults.yaml", folder / "families" / "_defaults.yaml")
    text = (ROOT / "dags" / "families" / f"{family}.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("batch_size:")]
    (folder / "families" / f"{family}.yaml").write_text("\n".join([*lines, f"batch_size: {BATCH_SIZE}", ""]))
    return folder


def require_redis() -> None:
    """Skip with the reason when Debian's redis-server (the broker) is not installed; in CI, where
    `.ci/run` installs it, its absence is a broken set-up and fails."""
    if shutil.which("redis-server") or Path("/usr/bin/redis-server").exists():
        return
    message = "the Celery test needs Debian's redis-server as its broker (apt-get install redis-server)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def scale_dms(dms):
    require_redis()  # before loading 2,000 customers for nothing
    from alertas_dev.demo import dms_data

    dms_data.load_demo_data(dms, customers=CUSTOMERS, reference_date=date(2026, 11, 1), months=2)
    return dms


def test_two_celery_workers_without_a_shared_disk_send_every_statement_once(
    scale_dms, postgres, mail_sink, ledger, tmp_path
):
    with seaweedfs(tmp_path / "seaweedfs") as store:
        postgres.create_database("airflow_celery", drop=True)
        env = {
            **store.env("celery-work"),
            "AIRFLOW_CONN_DMS_POSTGRES": postgres.connection_json("dms"),
            "AIRFLOW_CONN_ALERTS_POSTGRES": postgres.connection_json("alerts"),
            "AIRFLOW_CONN_SMTP_DEFAULT": mail_sink.connection_json(),
        }
        stack = CeleryStack(
            home=tmp_path / "stack",
            metadata_db=f"postgresql://postgres@/airflow_celery?host={postgres.socket_dir}",
            env=env,
            dags_folder=statements_dags(tmp_path / "dags"),
            workers=2,
        )
        try:
            stack.start()
            stack.wait_for_dag(DAG_ID)
            preloaded = {name: stack.maps_library(name, "pandas/_libs") for name in ("w1", "w2")}
            run_id = stack.trigger(DAG_ID, "2026-11-01T11:00:00+00:00")
            state = stack.wait_for_run(DAG_ID, run_id, timeout=240)
            tasks = stack.task_instances(DAG_ID, run_id)
        except StackError as exc:
            pytest.fail(str(exc), pytrace=False)
        finally:
            stack.stop()
        keys = store.keys("celery-work/")

    assert state == "success", tasks
    # Each worker imported the package's libraries before forking its pool (celery_worker.py):
    # pandas' compiled modules are mapped in the worker's own process, which runs no task.
    assert preloaded == {"w1": True, "w2": True}
    summary = ledger.execute(
        "select summary from alerts.runs where dag_id = %s order by finished_at desc limit 1", (DAG_ID,)
    ).fetchone()[0]
    planned = summary["messages"]
    assert planned > CUSTOMERS // 2

    # Every statement sent exactly once: one message per planned statement, no Message-ID twice,
    # every ledger row of the run `sent` once.
    received = mail_sink.store.messages
    message_ids = Counter(
        line.split(b":", 1)[1].strip()
        for item in received
        for line in item.data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        if line.lower().startswith(b"message-id:")
    )
    assert len(received) == planned == summary["sent"]
    assert len(message_ids) == planned and set(message_ids.values()) == {1}
    statuses = dict(
        ledger.execute(
            "select status, count(*) from alerts.deliveries "
            "where family = 'customer_statements' group by status"
        ).fetchall()
    )
    assert statuses.get("sent") == planned

    # Both workers ran mapped tasks (each reports its node name as its host name).
    mapped = [ti for ti in tasks if ti["task_id"].rpartition(".")[2] in ("render", "deliver")]
    assert len(mapped) >= 8 and all(ti["state"] == "success" for ti in mapped)
    assert {ti["hostname"] for ti in mapped} == {"w1", "w2"}, json.dumps(
        [(ti["task_id"], ti["map_index"], ti["hostname"]) for ti in mapped]
    )
    # No shared folder: the run's files are objects in the bucket (extracts, batches, messages).
    assert any(key.endswith("/extract/movements.parquet") for key in keys)
    archives = [key for key in keys if key.endswith(".zip") and "/plan/outbox/" in key]
    assert len(archives) == len([key for key in keys if "/plan/batches/" in key])  # one object a batch
    assert not any(key.endswith(".eml") for key in keys)
