"""The Airflow contract's recipe (docs/operations.md, "The Airflow contract"), run as written: the
three connections and the two folders set, `airflow db migrate`, then `airflow dags test` of the
October statements. Its connection lines are replaced by the session's PostgreSQL (with the
statements fixture) and SMTP server, and AIRFLOW_HOME by a temporary folder; nothing else changes.
Without the plugins folder this failed: "DealershipCronTimetable is not registered"; without the
unsubscribe secret the statements' render failed (and waited for its retries).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.airflow_server import CONNECTIONS, session_connections

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXPORT_CONNECTION = re.compile(r"^export (AIRFLOW_CONN_\w+)='.*?'$", re.MULTILINE | re.DOTALL)


def contract_recipe() -> str:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    after = text[text.index("## The Airflow contract") :]
    return re.search(r"```bash\n(.*?)```", after, re.S).group(1)


def test_the_contract_recipe_sets_both_folders_and_the_three_connections():
    recipe = contract_recipe()
    assert "export AIRFLOW__CORE__DAGS_FOLDER=$PWD/dags" in recipe
    assert "export AIRFLOW__CORE__PLUGINS_FOLDER=$PWD/plugins" in recipe
    assert "export AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET=" in recipe  # statements are recurring
    assert sorted(EXPORT_CONNECTION.findall(recipe)) == sorted(CONNECTIONS)


def test_the_contract_recipe_sends_the_october_statements(statements_dms, mail_sink, ledger, tmp_path):
    recipe = contract_recipe()
    connections = session_connections()
    script = EXPORT_CONNECTION.sub(lambda match: f"export {match[1]}='{connections[match[1]]}'", recipe)
    assert "export AIRFLOW_HOME=$PWD/.airflow" in script
    home = tmp_path / "airflow"
    script = script.replace("export AIRFLOW_HOME=$PWD/.airflow", f"export AIRFLOW_HOME={home}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ALERTAS_"))}
    env["ALERTAS_WORK_DIR"] = str(tmp_path / "work")  # the run files, out of the checkout
    venv = Path(sys.executable).parent.parent  # the checkout's .venv, wherever this session runs
    process = subprocess.Popen(
        ["bash", "-euc", script.replace(".venv/bin/", f"{venv}/bin/")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a timeout ends airflow too, not just bash
    )
    try:
        # a task that fails waits for its retry (5 minutes): fail before that
        stdout, stderr = process.communicate(timeout=360)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"the recipe did not finish in 6 minutes:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    log = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, log
    assert "is not registered" not in log
    sent = ledger.execute(
        "select count(*) from alerts.deliveries where family = 'customer_statements' and status = 'sent'"
    ).fetchone()[0]
    assert sent == len(mail_sink.store.messages) > 0
    pdfs = {message.data.count(b"Content-Type: application/pdf") for message in mail_sink.store.messages}
    assert pdfs == {1}  # one statement each
