"""The data team's first hour (issue 16): ops exit codes and JSON, configuration errors failing at
once, the demo keeping its state between runs, and a broken family making the demo fail.

Real PostgreSQL, real SMTP sink, real DAG runs (`dag.test()`); the demo runs as a subprocess, as
`make demo` does.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.support.runs import run_dag

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
T = "2026-11-01T11:00:00+00:00"


def ops(capsys, *args: str) -> tuple[int, str, str]:
    from alertas_rapidas import ops as ops_cli

    capsys.readouterr()  # what came before (a DAG run's output) is not the command's
    try:
        code = ops_cli.main(list(args))
    except SystemExit as exc:  # argparse's own exit for a bad argument
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_ops_exit_codes_and_one_line_errors(statements_dms, dagbag, mail_sink, ledger, capsys, monkeypatch):
    # an empty ledger: nothing found is exit 1, not a silent 0
    code, out, err = ops(capsys, "runs")
    assert (code, out) == (1, "")
    assert err.strip() == "error: no runs found"

    assert run_dag(dagbag, DAG_ID, T).state == "success"
    code, out, _ = ops(capsys, "runs", "--family", FAMILY, "--json")
    assert code == 0
    [run] = json.loads(out)
    assert run["dag_id"] == DAG_ID and run["run_date"] == "2026-11-01"
    assert run["summary"]["sent"] == len(mail_sink.store.messages) > 0

    code, out, _ = ops(capsys, "deliveries", "--family", FAMILY, "--date", "2026-11-01", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"run_date": "2026-11-01", "status": "sent", "reason": "", "count": run["summary"]["sent"]} in rows
    assert "@" not in out  # counts only, no address

    # unknown family, malformed date, unknown command: one line each, exit 2
    for args, expected in [
        (("runs", "--family", "customer_statement"), "unknown family 'customer_statement'"),
        (("deliveries", "--family", FAMILY, "--date", "01/11/2026"), "'01/11/2026' is not a date"),
        (("rerun",), "invalid choice: 'rerun'"),
        (("reopen", "--family", FAMILY), "the following arguments are required"),
    ]:
        code, out, err = ops(capsys, *args)
        assert code == 2, args
        assert out == "" and len(err.strip().splitlines()) == 1 and expected in err, (args, err)

    # reopen of a message that does not exist: exit 1, one line; --json says so too
    code, out, err = ops(
        capsys, "reopen", "--family", FAMILY, "--recipient", "customer:999", "--business-key", "x", "--json"
    )
    assert code == 1 and json.loads(out)["reopened"] is False
    assert err.strip() == "error: no such message in the ledger (or it is being sent right now)"
    reopen = ("reopen", "--family", FAMILY, "--recipient", "customer:2")
    code, out, err = ops(capsys, *reopen, "--business-key", "statement:2026-10", "--json")
    assert code == 0 and json.loads(out)["reopened"] is True

    # no alerts_postgres connection: one line that says what to set, exit 3, no traceback
    monkeypatch.delenv("AIRFLOW_CONN_ALERTS_POSTGRES")
    code, out, err = ops(capsys, "runs")
    assert code == 3 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "'alerts_postgres' is not defined" in err and "AIRFLOW_CONN_ALERTS_POSTGRES" in err


def test_missing_smtp_connection_fails_at_once_without_retries(
    statements_dms, dagbag, mail_sink, ledger, monkeypatch
):
    """The family's own retries (2, five minutes apart) are not spent on a missing connection."""
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT")
    dag = dagbag.get_dag(DAG_ID)
    assert dag.get_task("extract").retries == 2  # the family's setting, left as it is
    started = time.monotonic()
    run = run_dag(dagbag, DAG_ID, T)
    elapsed = time.monotonic() - started
    assert run.state == "failed"
    assert elapsed < 60, f"took {elapsed:.0f} s: retried instead of failing"
    states = {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}
    assert states["batch.render"][0] == "failed"
    assert states["batch.render"][1] == 1  # one try, no retry
    assert mail_sink.store.messages == []


def test_missing_dms_connection_fails_extract_at_once(statements_dms, dagbag, mail_sink, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_DMS_POSTGRES")
    started = time.monotonic()
    run = run_dag(dagbag, DAG_ID, T)
    assert run.state == "failed"
    assert time.monotonic() - started < 60
    extract = next(ti for ti in run.get_task_instances() if ti.task_id == "extract")
    assert (extract.state, extract.try_number) == ("failed", 1)


def test_configuration_problem_is_one_line_and_transient_errors_are_not_configuration():
    import jinja2
    from airflow.sdk.exceptions import AirflowNotFoundException

    from alertas_rapidas.extract import ExtractError
    from alertas_rapidas.sql_files import SqlFileMissing, read_sql
    from alertas_rapidas.task_errors import configuration_problem

    try:
        read_sql("nowhere/missing.sql")
    except SqlFileMissing as exc:
        problem = configuration_problem(exc)
    assert problem is not None and "missing.sql" in problem
    assert "smtp_default" in configuration_problem(
        AirflowNotFoundException("The conn_id `smtp_default` isn't defined")
    )
    assert "statement.html" in configuration_problem(jinja2.TemplateNotFound("statement.html"))
    # transient: left to Airflow's retries
    assert configuration_problem(ConnectionRefusedError(111, "Connection refused")) is None
    assert (
        configuration_problem(ExtractError("cannot connect to the DMS: server closed the connection")) is None
    )


def run_demo(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ALERTAS_"))}
    return subprocess.run(
        [sys.executable, "-m", "alertas_dev.demo", "--out", str(out), "--dag", DAG_ID, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )


def sent_count(stdout: str) -> int:
    row = next(line for line in stdout.splitlines() if line.startswith(FAMILY))
    return int(row.split()[3])


def test_demo_second_run_sends_nothing_and_a_broken_family_fails_it(tmp_path):
    out = tmp_path / "demo"
    first = run_demo(out)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Fresh start (first run)" in first.stdout
    sent = sent_count(first.stdout)
    assert sent > 0
    assert re.search(rf"^{sent} message\(s\) received by the SMTP sink", first.stdout, re.M)

    second = run_demo(out)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "Kept the demo DMS and the delivery ledger" in second.stdout
    assert sent_count(second.stdout) == 0
    assert re.search(r"^0 message\(s\) received by the SMTP sink", second.stdout, re.M)
    assert f"already sent {sent}:" in second.stdout
    assert list((out / "mail").glob("*.eml")) == []

    # a copy of the DAG folder with one family file broken: exit 1, one summary line for it
    dags = tmp_path / "dags"
    shutil.copytree(ROOT / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    with (dags / "families" / "invoices_due_soon.yaml").open("a") as broken:
        broken.write("schedule: [not closed\n")
    third = run_demo(out, "--dags-folder", str(dags))
    assert third.returncode == 1
    [line] = [row for row in third.stdout.splitlines() if row.startswith("invoices_due_soon")]
    assert "broken" in line and "not valid YAML" in line
    assert "DAG files that do not import: alert_invoices_due_soon" in third.stderr
    assert third.stderr.count("Traceback") == 0

    fresh = run_demo(out, "--fresh")
    assert fresh.returncode == 0
    assert "Fresh start (--fresh)" in fresh.stdout and sent_count(fresh.stdout) == sent
