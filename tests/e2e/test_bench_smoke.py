"""`python -m alertas_dev.bench` at a tiny scale: it runs end to end and writes its report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_at_tiny_scale_and_writes_its_report(tmp_path):
    report = tmp_path / "benchmarks.md"
    # The benchmark sets up its own Airflow home, PostgreSQL and SMTP sink: none of the session's.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ALERTAS_"))}
    done = subprocess.run(
        [sys.executable, "-m", "alertas_dev.bench", "--customers", "20", "--months", "1"]
        + ["--workers", "0", "--skip-dagbag", "--out", str(tmp_path / "bench"), "--docs", str(report)]
        + ["--allow-busy"],  # a test suite may share the machine: written all the same, marked
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    facts = json.loads((tmp_path / "bench" / "facts.json").read_text())
    [run] = facts["runs"]
    assert run["state"] == "success"
    assert run["messages"] > 0 and run["received"] == run["messages"] == run["sent"]
    assert facts["raw"]["raw_1"]["pdfs"] == run["messages"]
    # The job floor sent every message to its own sink (warm-up messages not counted).
    assert facts["raw"]["job_1"]["messages"] == facts["raw"]["job_1"]["received"] == run["messages"]
    # With no executor the tasks run in the dag.test() process or in processes it forks (titled
    # "airflow worker -- <ti>" once setproctitle is installed, as Celery does): between them they
    # used the most CPU of the run's own processes (the machine's other load is reported apart).
    roles = run["cpu_s"]
    loop, tasks = "dag.test() loop (scheduling, in place of a scheduler)", "task processes"
    assert roles[loop] > 0
    own = {role: cpu for role, cpu in roles.items() if role != "other processes on the machine"}
    assert max(own, key=own.get) in (loop, tasks), own
    assert facts["extract"]["rows"]["movements"] > 0

    text = report.read_text()
    # whether other work shared the machine is measured and said, either way
    assert facts["foreign"]["describe"].startswith("load average before")
    assert ("- Quiet machine: yes" in text) is facts["foreign"]["quiet"]
    assert ("NOT A QUIET MACHINE" in text) is not facts["foreign"]["quiet"]
    for expected in [
        "# Benchmarks: account statements at scale",
        facts["machine"]["cpu"],
        "messages/s (received / wall)",
        "raw render floor, 1 process(es)",
        "pipeline / raw render floor",
        "pipeline / raw job floor",
        "raw job floor, 1 process(es)",
        "CPU during the run, core-seconds",
        "statement extract over",
        "## How it was measured",
        "a statement PDF with logo and letterhead / without",
    ]:
        assert expected in text, expected
    # Every family's extract on the bench's data, none failing.
    families = sorted(p.stem for p in (ROOT / "dags" / "families").glob("[a-z]*.yaml"))
    assert [t["family"] for t in facts["family_extracts"]] == families
    assert all("error" not in t for t in facts["family_extracts"]), facts["family_extracts"]
    for family in families:
        assert f"extract of `{family}`" in text, family
