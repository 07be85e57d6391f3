"""The docs' manual `airflow standalone` recipe (docs/operations.md, "Airflow standalone by hand"),
run as written.

The block is read from the page and run by bash from the repository root, with three additions
before it: the three connections (the session's PostgreSQL and SMTP sink), a free port with its
base URL (the page's own "another port" advice), and AIRFLOW_HOME in a temporary folder instead
of `$PWD/.airflow` (the one change to the text; the shared checkout stays clean). PATH is the
system's without the venv, as in a new shell: the recipe's own `export PATH` must be enough.
Checked: every component starts, the DAGs are parsed, and the plugin's page and tab are served.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from alertas_dev.airflow_stack import ROOT, Standalone
from alertas_dev.demo.mail_sink import free_port
from tests.support.airflow_server import session_connections

MARKER = "By hand, against your own connections"


def standalone_recipe() -> str:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    return re.search(r"```bash\n(.*?)```", after, re.S).group(1)


def test_the_recipe_names_path_plugins_and_standalone():
    recipe = standalone_recipe()
    assert "export PATH=$PWD/.venv/bin:$PATH" in recipe
    assert "AIRFLOW__CORE__PLUGINS_FOLDER=$PWD/plugins" in recipe
    assert "AIRFLOW__CORE__DAGS_FOLDER=$PWD/dags" in recipe
    assert recipe.strip().splitlines()[-1] == "airflow standalone"


def test_the_standalone_recipe_runs_as_written(postgres, mail_sink, tmp_path):
    recipe = standalone_recipe()
    assert "AIRFLOW_HOME=$PWD/.airflow" in recipe
    home = tmp_path / "airflow"
    script = recipe.replace("AIRFLOW_HOME=$PWD/.airflow", f"AIRFLOW_HOME={home}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    prefix = "\n".join(
        [
            *(f"export {name}='{value}'" for name, value in session_connections().items()),
            f"export AIRFLOW__API__PORT={port} AIRFLOW__API__BASE_URL={url} AIRFLOW__API__HOST=127.0.0.1",
            f"export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT={free_port()}",
            f"export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT={free_port()}",
            "export AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=False",
        ]
    )
    venv_bin = str(Path(sys.executable).parent)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "ALERTAS_", "VIRTUAL_ENV", "PYTHONPATH"))
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep) if p != venv_bin
    )
    home.mkdir()
    log_path = home / "standalone.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["bash", "-euc", prefix + "\n" + script],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # The helper's waits and stop, on this process (its settings are the recipe's, not the helper's).
    airflow = Standalone(home, {}, port=port)
    airflow.process = process
    try:
        airflow.wait_until_ready(["alert_customer_statements", "alert_invoices_due_soon"], timeout=240)
        log = log_path.read_text(errors="replace")
        assert "No such file or directory: 'airflow'" not in log
        session = airflow.api("GET", "/alertas/api/session")  # the Alertas page's data
        assert session.status_code == 200 and len(session.json()["families"]) == 41
        plugins = {p["name"]: p for p in airflow.api("GET", "/api/v2/plugins").json()["plugins"]}
        assert "Alertas Rápidas" in {app["name"] for app in plugins["alertas_rapidas_ui"]["react_apps"]}
    finally:
        airflow.stop()
    # Stopping it ended the whole process group: nothing of it is left running.
    deadline = time.monotonic() + 15
    while (left := live_members(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == [], left


def live_members(pgid: int) -> list[str]:
    """The processes of a process group that are still alive (zombies waiting to be reaped aside)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(stat.parent.name)
    return members
