"""`python -m alertas_dev.demo` as a person runs it: a subprocess from the repository's root,
without the test session's Airflow and Alertas environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_demo(out: Path, dag_id: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The demo for `dag_id` into `out`, with `args`; the finished process (not checked)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ALERTAS_"))}
    return subprocess.run(
        [sys.executable, "-m", "alertas_dev.demo", "--out", str(out), "--dag", dag_id, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
