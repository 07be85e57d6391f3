"""The freshness sensor holds `parts_out_of_stock` back while STOCK_SYNC is stale.

The real config waits up to 2 h in reschedule mode. Here a copy of the family's DAG file and
config (with `_defaults.yaml`) in a temporary DAG folder waits in poke mode for 3 s, checking
every second; SQL and templates still come from the project root.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "alert_parts_out_of_stock"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"


@pytest.fixture
def quick_dagbag(airflow_db, tmp_path):
    """A DagBag of only this family, whose sensor gives up after 3 seconds."""
    from airflow.dag_processing.dagbag import DagBag

    folder = tmp_path / "dags"
    (folder / "families").mkdir(parents=True)
    shutil.copy(ROOT / "dags" / f"{DAG_ID}.py", folder)
    shutil.copy(ROOT / "dags" / "families" / "_defaults.yaml", folder / "families")
    config = yaml.safe_load((ROOT / "dags" / "families" / "parts_out_of_stock.yaml").read_text())
    config["freshness_wait"] = {"mode": "poke", "poke_interval": "PT1S", "timeout": "PT3S"}
    (folder / "families" / "parts_out_of_stock.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    bag = DagBag(dag_folder=str(folder))
    assert DAG_ID in bag.dags, bag.import_errors
    return bag


@pytest.fixture
def stock_dms(dms):
    return load_fixtures(dms, "organisation.sql", "parts_out_of_stock.sql")


def test_stale_stock_sync_holds_the_family_back_and_fresh_lets_it_through(
    stock_dms, quick_dagbag, mail_sink, ledger
):
    # Stale: the last success before T is 26 h old; a success after T does not count for T.
    stock_dms.execute("delete from dms.interface_runs where id = 101")
    stock_dms.execute(
        "insert into dms.interface_runs (id, interface_id, started_at, finished_at, status) values "
        "(102, 100, '2026-11-01 10:30+00', '2026-11-01 10:40+00', 'failed'), "
        "(103, 100, '2026-11-01 11:05+00', '2026-11-01 11:20+00', 'succeeded')"
    )
    held = run_dag(quick_dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)

    # The sensor soft-fails (skipped), everything after it is skipped but the summary, and the
    # run as a whole counts as a success: holding back is the intended outcome, not a failure.
    assert held.state == "success"
    states = {ti.task_id: ti.state for ti in held.get_task_instances()}
    assert states["wait_for_fresh_data"] == "skipped"
    assert states["extract"] == "skipped"
    assert states["transform"] == "skipped"
    assert states["summarize"] == "success"
    assert mail_sink.store.messages == []
    assert ledger_rows(ledger, "parts_out_of_stock") == []
    summary = last_summary(ledger, DAG_ID)
    assert summary["complete"] is False
    assert summary["sent"] == 0 and summary["candidates"] == 0
    [stale] = summary["held_back"]
    assert stale["interface"] == "STOCK_SYNC"
    assert stale["fresh"] is False
    assert stale["age_hours"] == 25.8  # 2026-10-31 09:12 UTC to T (2026-11-01 11:00 UTC)
    assert stale["max_age_hours"] == 24.0

    # Fresh: STOCK_SYNC succeeds at 07:10 (Buenos Aires); the same date now goes through.
    stock_dms.execute(
        "insert into dms.interface_runs (id, interface_id, started_at, finished_at, status) values "
        "(104, 100, '2026-11-01 10:00+00', '2026-11-01 10:10+00', 'succeeded')"
    )
    through = run_dag(quick_dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert through.state == "success"
    assert through.get_task_instance("wait_for_fresh_data").state == "success"
    assert sorted(tuple(m.rcpt_tos) for m in mail_sink.store.messages) == [
        ("Martin.Gomez@example.com",),
        ("paula.herrera@example.com",),
    ]
    summary = last_summary(ledger, DAG_ID)
    assert "held_back" not in summary
    assert summary["complete"] is True
    assert summary["sent"] == 2
