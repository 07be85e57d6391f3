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
import time
from pathlib import Path

import pytest

from tests.support import demo_cli
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
    return demo_cli.run_demo(out, DAG_ID, *args)


def sent_count(stdout: str) -> int:
    row = next(line for line in stdout.splitlines() if line.startswith(FAMILY))
    return int(row.split()[3])


@pytest.fixture
def demo_dir(tmp_path):
    """The demo's folder; the PostgreSQL the demo leaves running is stopped at the end."""
    from alertas_dev.demo.local_postgres import LocalPostgres

    out = tmp_path / "demo"
    yield out
    LocalPostgres(out / "pg").shutdown()


def make(*args: str, demo: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`make ARGS` in the checkout, as a user's shell after `make demo` in `demo`: no connection set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ALERTAS_", "PYTEST_"))}
    env["ALERTAS_DEMO_DIR"] = str(demo)
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


HAND_MADE = (
    "insert into dms.customers (id, code, legal_name, tax_id, email, language, branch_id, active)"
    " values (990001, 'C990001', 'Cliente Hecho a Mano', '20-99000001-7', 'mano@example.org', 'es', 1, true)"
)


def test_demo_second_run_sends_nothing_and_a_broken_family_fails_it(tmp_path, demo_dir):
    import psycopg

    out = demo_dir
    first = run_demo(out)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Fresh start (first run)" in first.stdout
    sent = sent_count(first.stdout)
    assert sent > 0
    assert re.search(rf"^{sent} message\(s\) received by the SMTP sink", first.stdout, re.M)

    # the demo left its DMS running and said where: the printed DSN reaches it
    [dsn] = re.findall(
        r"^The demo DMS keeps running for your own queries and later commands: (\S+)$", first.stdout, re.M
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select count(*) from dms.customers").fetchone()[0] >= 12
        conn.execute(HAND_MADE)  # a row a user adds to try an alert

    # `make preview` after `make demo`: nothing to set, it reads the demo's DMS
    preview = make(
        "preview",
        "FAMILY=customer_statements",
        "DATE=2026-11-01",
        f"ARGS=--out {tmp_path / 'preview'}",
        demo=out,
    )
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert re.search(r"^\d+ messages, \d+ skipped .* nothing sent, ledger untouched$", preview.stdout, re.M)
    assert (tmp_path / "preview" / "index.html").exists() and list((tmp_path / "preview").glob("*.eml"))
    # `make dms` is psql on it: a query piped in, as `make dms < file.sql` does
    dms_query = make("dms", demo=out, stdin="select legal_name from dms.customers where id = 990001;")
    assert dms_query.returncode == 0, dms_query.stderr
    assert "Cliente Hecho a Mano" in dms_query.stdout

    second = run_demo(out)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "Kept the demo DMS (demo data for 2026-11-01, seed 7, 60 customers) and the delivery ledger" in (
        second.stdout
    )
    assert sent_count(second.stdout) == 0
    assert re.search(r"^0 message\(s\) received by the SMTP sink", second.stdout, re.M)
    assert f"already sent {sent}:" in second.stdout
    assert list((out / "mail").glob("*.eml")) == []

    # another date runs on the same DMS: the hand-made row is still there
    december = run_demo(out, "--date", "2026-12-01")
    assert december.returncode == 0, december.stdout[-3000:] + december.stderr[-3000:]
    assert "Kept the demo DMS" in december.stdout and "loading demo data" not in december.stdout
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select legal_name from dms.customers where id = 990001").fetchone() == (
            "Cliente Hecho a Mano",
        )
    # ... until the DMS is refilled on purpose
    reset = run_demo(out, "--date", "2026-11-01", "--reset-dms")
    assert reset.returncode == 0 and "--reset-dms: the DMS is filled again" in reset.stdout
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select count(*) from dms.customers where id = 990001").fetchone()[0] == 0

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
