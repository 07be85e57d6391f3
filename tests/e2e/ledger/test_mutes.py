"""Muting a family: runs whose instant falls in the mute plan but send nothing (counted as held
back, `muted`), nothing is caught up when it ends, and the mute says who, when and why."""

from __future__ import annotations

import json

import pytest

from tests.support.runs import last_summary, ledger_rows, run_dag

pytestmark = pytest.mark.e2e

DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"


def ops(capsys, *args: str) -> tuple[int, str, str]:
    from alertas_rapidas import ops as ops_cli

    capsys.readouterr()
    code = ops_cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_muted_family_sends_nothing_in_its_period_and_nothing_is_caught_up(
    statements_dms, dagbag, mail_sink, ledger, capsys
):
    code, out, _ = ops(
        capsys, "mute", "--family", FAMILY, "--why", "DMS migration: balances wrong until Monday",
        "--since", "2026-10-31", "--until", "2026-11-02", "--by", "ana.ops",
    )  # fmt: skip
    assert code == 0 and "muted by ana.ops since 2026-10-31 03:00 UTC" in out

    assert run_dag(dagbag, DAG_ID, "2026-11-01T11:00:00+00:00").state == "success"  # not a failure
    assert mail_sink.store.messages == []
    summary = last_summary(ledger, DAG_ID)
    assert summary["held"] == {"muted": 3} and summary["sent"] == 0
    assert "DMS migration: balances wrong until Monday" in summary["muted"]
    assert [r for r in ledger_rows(ledger, FAMILY) if r["status"] != "skipped"] == []  # nothing to catch up

    code, out, _ = ops(capsys, "mutes", "--family", FAMILY, "--json")
    [mute] = json.loads(out)
    assert (mute["muted_by"], mute["ended_at"]) == ("ana.ops", None)

    # After the period, a run sends what is due then (here, the same statements: nothing was recorded).
    assert run_dag(dagbag, DAG_ID, None, run_date="2026-11-02").state == "success"
    assert len(mail_sink.store.messages) == 3
    assert "muted" not in last_summary(ledger, DAG_ID)


def test_unmute_ends_an_open_mute_now_and_refuses_what_is_not_muted(statements_dms, ledger, capsys):
    assert ops(capsys, "mute", "--family", FAMILY, "--why", "audit", "--by", "ana.ops")[0] == 0
    code, out, _ = ops(capsys, "mutes")
    assert code == 0 and out.startswith(FAMILY) and "until unmuted: audit" in out
    code, out, _ = ops(capsys, "unmute", "--family", FAMILY, "--by", "beto.ops")
    assert code == 0 and "sends again from its next run" in out
    assert ops(capsys, "mutes")[0] == 1  # none in force
    code, _, err = ops(capsys, "unmute", "--family", FAMILY)
    assert code == 1 and err.strip() == f"error: {FAMILY} is not muted"
    code, _, err = ops(capsys, "mute", "--family", FAMILY, "--why", " ", "--by", "x")
    assert code == 2 and "needs a reason" in err
