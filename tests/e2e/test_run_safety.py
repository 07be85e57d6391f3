"""Runs that never surprise the operator (issue 22), in one process: refused run parameters fail
the run's first try with one line and send nothing; a failed date shows no sent message in
`ops deliveries` (the failure notice is not a family's message); `ops runs` says what an earlier
run had already sent and marks dry and redirected runs.

Real PostgreSQL, real SMTP sink, real DAG runs (`dag.test()`) of `customer_statements` on the
hand-written fixtures (3 statements for 2026-11-01).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.support.runs import run_dag

DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
T = "2026-11-01T11:00:00+00:00"  # 08:00 in Buenos Aires
OWNERS = "datos@example.com"  # the family's owners_email: the failure notice


def ops(capsys, *args: str) -> tuple[int, str, str]:
    from alertas_rapidas import ops as ops_cli

    capsys.readouterr()
    code = ops_cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def customer_mail(store) -> list:
    return [m for m in store.messages if OWNERS not in m.rcpt_tos]


def test_refused_parameters_fail_at_once_and_the_failed_date_shows_nothing_sent(
    statements_dms, dagbag, mail_sink, ledger, capsys
):
    from airflow.sdk.exceptions import ParamValidationError

    # The typo of issue 22 never makes a run: the Param schema refuses it when the run is created.
    with pytest.raises(ParamValidationError, match="redirect_to"):
        run_dag(dagbag, DAG_ID, T, redirect_to="pruebas@example,com")
    with pytest.raises(ParamValidationError, match="run_date"):
        run_dag(dagbag, DAG_ID, T, run_date="01/11/2026")

    # Well formed for the schema, refused by the engine's validator: the first try fails, with the
    # family's retries (2) unspent, and no customer gets anything.
    started = time.monotonic()
    run = run_dag(dagbag, DAG_ID, T, redirect_to="pruebas.@concesionaria.com.ar")
    assert run.state == "failed"
    assert time.monotonic() - started < 60
    extract = next(ti for ti in run.get_task_instances() if ti.task_id == "extract")
    assert (extract.state, extract.try_number, extract.max_tries) == ("failed", 1, 2)
    assert customer_mail(mail_sink.store) == []
    cause = (
        "extract: redirect_to is not an address the mail engine accepts (malformed_email): "
        "give exactly one address, with no comma, semicolon or blank"
    )
    [(problems,)] = ledger.execute(
        "select summary->'problems' from alerts.runs where dag_id = %s", (DAG_ID,)
    ).fetchall()
    assert cause in problems
    [notice] = [m for m in mail_sink.store.messages if m.rcpt_tos == [OWNERS]]
    assert cause in notice.message.get_content()

    # The failed date, as ops sees it: no delivery at all (the notice lives in alerts.notices),
    # and the run with nothing sent.
    code, out, err = ops(capsys, "deliveries", "--family", FAMILY, "--date", "2026-11-01")
    assert (code, out, err.strip()) == (
        1,
        "",
        "error: no deliveries found for family customer_statements on 2026-11-01",
    )
    code, out, _ = ops(capsys, "runs", "--family", FAMILY, "--json")
    [failed] = json.loads(out)
    assert failed["summary"]["sent"] == 0 and cause in failed["summary"]["problems"]
    assert "pruebas" not in out  # the refused address is nowhere in what ops shows

    # A date that does not exist fails the same way, under the run's own date.
    run = run_dag(dagbag, DAG_ID, "2026-11-01T11:01:00+00:00", run_date="2026-02-30")
    assert run.state == "failed"
    extract = next(ti for ti in run.get_task_instances() if ti.task_id == "extract")
    assert (extract.state, extract.try_number) == ("failed", 1)
    code, out, _ = ops(capsys, "runs", "--family", FAMILY, "--json")
    latest = json.loads(out)[0]
    assert latest["run_date"] == "2026-11-01"
    assert (
        "extract: run_date '2026-02-30' is not a date written YYYY-MM-DD (1 November 2026 is 2026-11-01)"
        in latest["summary"]["problems"]
    )
    assert customer_mail(mail_sink.store) == []


def test_ops_runs_shows_already_sent_and_marks_dry_and_redirected_runs(
    statements_dms, dagbag, mail_sink, ledger, capsys
):
    # Four runs of the same date, a minute apart (a run id each): sent, sent again, dry, redirected.
    runs = {
        "normal": run_dag(dagbag, DAG_ID, "2026-11-01T11:00:00+00:00"),
        "again": run_dag(dagbag, DAG_ID, "2026-11-01T11:01:00+00:00"),
        "dry": run_dag(dagbag, DAG_ID, "2026-11-01T11:02:00+00:00", dry_run=True),
        "redirected": run_dag(dagbag, DAG_ID, "2026-11-01T11:03:00+00:00", redirect_to="qa@example.com"),
    }
    assert {name: run.state for name, run in runs.items()} == dict.fromkeys(runs, "success")
    assert len(mail_sink.store.messages) == 3 + 3  # the statements once, then to the test address

    code, out, _ = ops(capsys, "runs", "--family", FAMILY, "--json")
    assert code == 0
    by_id = {row["run_id"]: row for row in json.loads(out)}
    shown = {
        name: {key: by_id[run.run_id][key] for key in ("mode", "already_sent", "dry_run", "redirected")}
        for name, run in runs.items()
    }
    assert shown == {
        "normal": {"mode": "normal", "already_sent": 0, "dry_run": False, "redirected": False},
        "again": {"mode": "normal", "already_sent": 3, "dry_run": False, "redirected": False},
        "dry": {"mode": "dry run", "already_sent": 0, "dry_run": True, "redirected": False},
        "redirected": {"mode": "redirected", "already_sent": 0, "dry_run": False, "redirected": True},
    }
    assert "qa@example.com" not in out

    code, out, _ = ops(capsys, "runs", "--family", FAMILY)
    header, *lines = out.splitlines()
    assert header.split()[:9] == ["run", "date", "dag", "id", "mode", "cand", "sent", "already", "skip"]
    table = {line.split()[-1]: line.split() for line in lines}
    # run date, dag id, mode (one or two words), then the counts: cand, sent, already, skip, fail, unkn
    # (8 candidates: 3 statements, 5 skipped with a reason)
    assert table[runs["normal"].run_id][2:-1] == ["normal", "8", "3", "0", "5", "0", "0"]
    assert table[runs["again"].run_id][2:-1] == ["normal", "8", "0", "3", "5", "0", "0"]
    assert table[runs["dry"].run_id][2:-1] == ["dry", "run", "8", "0", "0", "5", "0", "0"]
    # sent: to the test address; the ledger was not read, so nothing counts as already sent
    assert table[runs["redirected"].run_id][2:-1] == ["redirected", "8", "3", "0", "5", "0", "0"]
