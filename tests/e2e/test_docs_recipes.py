"""The Airflow contract's recipe (docs/operations.md, "The Airflow contract"), run as written: the
three connections and the two folders set, `airflow db migrate`, then `airflow dags test` of the
October statements. Its connection lines are replaced by the session's PostgreSQL (with the
statements fixture) and SMTP server, and AIRFLOW_HOME by a temporary folder; nothing else changes.
Without the plugins folder this failed: "DealershipCronTimetable is not registered".
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.airflow_server import session_connections

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
    assert sorted(EXPORT_CONNECTION.findall(recipe)) == sorted(session_connections())


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
    result = subprocess.run(
        ["bash", "-euc", script.replace(".venv/bin/", f"{venv}/bin/")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, log
    assert "is not registered" not in log
    sent = ledger.execute(
        "select count(*) from alerts.deliveries where family = 'customer_statements' and status = 'sent'"
    ).fetchone()[0]
    assert sent == len(mail_sink.store.messages) > 0
    pdfs = {message.data.count(b"Content-Type: application/pdf") for message in mail_sink.store.messages}
    assert pdfs == {1}  # one statement each
