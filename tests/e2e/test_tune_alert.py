"""Tuning an alert without a deploy (issue 25), from the shell and through the page's API, on real
PostgreSQL, a real SMTP server and real DAG runs (`dag.test()`).

The workshop fixture's work orders are moved in time so that the family's next run (tomorrow,
08:00 in Buenos Aires) sees them as tests/fixtures/catalogue_workshop.sql describes them for
2026-12-01: open 10 days (2101, 2102), 9 days (2103) and 30 days (2104, branch 2). Ten more
branches each hold an order open 7 days, which a threshold of 5 days adds (each branch's report
goes to the dealership-level manager, Gustavo): what makes a change multiply the volume.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.support.runs import last_summary, run_dag

pytestmark = pytest.mark.e2e

FAMILY = "work_orders_open_too_long"
DAG_ID = f"alert_{FAMILY}"
ZONE = ZoneInfo("America/Argentina/Buenos_Aires")
FIXTURE_DAY = date(2026, 12, 1)
MARTIN = "martin.acosta@autosur.example.com"
GUSTAVO = "gustavo.herrera@autosur.example.com"
JEFE = "jefe.taller@autosur.example.com"


def local_day(offset: int) -> date:
    return datetime.now(ZONE).date() + timedelta(days=offset)


def at_0800(day: date) -> str:
    """The family's scheduled instant on `day` (08:00 local), as a logical date."""
    return datetime.combine(day, time(8), tzinfo=ZONE).isoformat()


@pytest.fixture
def workshop_now(dms):
    """The workshop fixture, moved so that tomorrow is its 2026-12-01, plus ten branches with an
    order open 7 days at tomorrow's run."""
    from tests.e2e.test_catalogue_workshop import FIXTURES

    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "catalogue_workshop.sql").read_text())
    shift = (local_day(1) - FIXTURE_DAY).days
    dms.execute(
        "update dms.work_orders set opened_at = opened_at + make_interval(days => %(d)s),"
        " finished_at = finished_at + make_interval(days => %(d)s)",
        {"d": shift},
    )
    opened = datetime.combine(local_day(1) - timedelta(days=7), time(9), tzinfo=ZONE)
    for number in range(10, 20):
        dms.execute(
            "insert into dms.branches (id, dealership_id, code, name) values (%s, 1, %s, %s)",
            (number, f"B{number}", f"Sucursal {number}"),
        )
        dms.execute(
            "insert into dms.work_orders (id, branch_id, customer_id, vehicle_id, advisor_id, opened_at,"
            " finished_at, status) values (%s, %s, 801, 701, 901, %s, null, 'open')",
            (3000 + number, number, opened),
        )
    return dms


def ops(capsys, *args: str) -> tuple[int, str, str]:
    from alertas_rapidas import ops as ops_cli

    capsys.readouterr()
    code = ops_cli.main(["settings", *args])
    out, err = capsys.readouterr()
    return code, out, err


def received(mail_sink) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in mail_sink.store.messages:
        found.setdefault(message.rcpt_tos[0], []).append(message)
    return found


def run_ok(dagbag, ledger, at: str) -> dict:
    assert run_dag(dagbag, DAG_ID, at, retries=0).state == "success"
    return last_summary(ledger, DAG_ID)


def setting(summary: dict, name: str) -> dict:
    return next(item for item in summary["settings"] if item["field"] == f"settings.{name}")


def test_tune_from_the_shell_next_run_backfill_off_and_revert(
    workshop_now, dagbag, mail_sink, ledger, capsys
):
    # The file's values, and every refusal in the models' words, storing nothing.
    code, out, _ = ops(capsys, "show", "--family", FAMILY)
    assert code == 0 and "on; settings version 0" in out
    assert [line.split() for line in out.splitlines() if line.startswith("settings.max_open_days")] == [
        ["settings.max_open_days", "file", "10"]
    ]
    refusals = {
        "max_open_days=400": "settings.max_open_days: Input should be less than or equal to 365 (given: 400)",
        "max_open_dys=4": "settings.max_open_dys: unknown field; did you mean 'max_open_days'?",
        "recipients.main.cc+=role:credit_mgr": "role: Input should be 'parts_manager', 'sales_rep'",
        "cc+=ana@example,com": "cc.0: value is not a valid email address",
    }
    for assignment, message in refusals.items():
        code, _, err = ops(capsys, "set", "--family", FAMILY, "--why", "try", assignment)
        assert code == 2 and message in err, (assignment, err)
    assert ops(capsys, "set", "--family", FAMILY, "max_open_days=5")[0] == 2  # no --why
    code, _, err = ops(capsys, "history", "--family", FAMILY)
    assert code == 1 and "no changes" in err  # nothing was stored

    # Yesterday's run, before any change: branch 2's order only (30 days).
    yesterday = run_ok(dagbag, ledger, at_0800(local_day(-1)))
    assert yesterday["sent"] == 1 and setting(yesterday, "max_open_days") == {
        "field": "settings.max_open_days",
        "value": "10",
        "source": "file",
    }

    # 5 days: the next run would plan 12 reports, 10 times yesterday's 1: asks for a confirmation.
    code, _, err = ops(
        capsys,
        "set",
        "--family",
        FAMILY,
        "--why",
        "service wants 5 days",
        "max_open_days=5",
        "--by",
        "ana.ops",
    )
    assert code == 4 and "would plan 12 message(s); the last run planned 1" in err
    assert ops(capsys, "history", "--family", FAMILY)[0] == 1
    code, out, _ = ops(
        capsys, "set", "--family", FAMILY, "--why", "service wants 5 days", "max_open_days=5",
        f"cc+={JEFE}", "--by", "ana.ops", "--confirm",
    )  # fmt: skip
    assert code == 0 and "settings.max_open_days: 10 -> 5 (v1 by ana.ops" in out

    # The next run (tomorrow's, scheduled) sends the new rows, to the added copy, and names the change.
    mail_sink.store.clear()
    nxt = run_ok(dagbag, ledger, at_0800(local_day(1)))
    mails = received(mail_sink)
    [martin] = mails[MARTIN]
    assert martin.message["Subject"].startswith("Órdenes de reparación abiertas hace 5 días o más: 3 en")
    text = martin.message.get_body(("plain",)).get_content()
    assert all(number in text for number in ("2101", "2102", "2103"))
    assert JEFE in martin.message["Cc"]
    assert len(mails[GUSTAVO]) == 11 and nxt["sent"] == 12
    assert setting(nxt, "max_open_days") | {"by": "ana.ops"} == {
        "field": "settings.max_open_days",
        "value": "5",
        "source": "override",
        "version": 1,
        "by": "ana.ops",
        "merge": "replace",
    }
    assert {
        "field": "cc",
        "value": "[address]",
        "source": "override",
        "version": 1,
        "by": "ana.ops",
        "merge": "add",
    } in nxt["settings"]
    assert nxt["settings_version"] == 1 and len(nxt["changes"]) == 2
    assert any("settings.max_open_days: 10 -> 5 (v1 by ana.ops" in line for line in nxt["changes"])
    assert JEFE not in json.dumps(nxt)  # the summary masks addresses

    # A later change never re-sends what the ledger holds: the same date again sends nothing.
    code, _, _ = ops(
        capsys, "set", "--family", FAMILY, "--why", "more copies", "cc+=taller@autosur.example.com"
    )
    assert code == 0
    mail_sink.store.clear()
    again = run_ok(dagbag, ledger, at_0800(local_day(1)))
    assert mail_sink.store.messages == [] and (again["sent"], again["already_sent"]) == (0, 12)

    # A backfill of a date before the change uses that date's value (10): branch 2 only.
    mail_sink.store.clear()
    before = run_ok(dagbag, ledger, at_0800(local_day(-2)))
    assert (
        setting(before, "max_open_days")["value"] == "10" and "settings_version" not in before
    )  # version 0: no override at T
    assert (
        list(received(mail_sink)) == [GUSTAVO] and "10 días" in mail_sink.store.messages[0].message["Subject"]
    )
    assert "changes" not in before

    # Switched off: the day after tomorrow's scheduled run sends nothing and says why.
    code, out, _ = ops(
        capsys, "off", "--family", FAMILY, "--why", "workshop system migration", "--by", "beto.ops"
    )
    assert code == 0 and "switched off (muted by beto.ops" in out
    code, _, err = ops(capsys, "off", "--family", FAMILY, "--why", "again")
    assert code == 5 and "is already switched off" in err
    mail_sink.store.clear()
    off = run_ok(dagbag, ledger, at_0800(local_day(2)))
    assert mail_sink.store.messages == [] and off["sent"] == 0 and off["held"]["muted"] > 0
    assert "switched off (muted by beto.ops" in off["muted"] and "workshop system migration" in off["muted"]
    assert any(line.startswith("switched off by beto.ops") for line in off["changes"])

    # alerts_health says so the next morning.
    assert (
        run_dag(
            dagbag, "alert_alerts_health", at_0800(local_day(2)).replace("08:00", "07:00"), retries=0
        ).state
        == "success"
    )
    [health] = [m for m in mail_sink.store.messages if "Salud de las alertas" in m.message["Subject"]]
    body = health.message.get_body(("plain",)).get_content()
    assert f"{FAMILY}: apagada desde el" in body and "beto.ops: workshop system migration" in body

    code, out, _ = ops(capsys, "on", "--family", FAMILY, "--why", "migration done", "--by", "beto.ops")
    assert code == 0
    assert ops(capsys, "on", "--family", FAMILY, "--why", "again")[0] == 1

    # Revert the threshold from the history: the file's value again.
    code, out, _ = ops(capsys, "history", "--family", FAMILY, "--json")
    [change] = [item for item in json.loads(out) if item.get("field") == "settings.max_open_days"]
    assert change["before"]["text"] == "10" and change["after"]["text"] == "5"
    code, out, _ = ops(
        capsys, "revert", "--family", FAMILY, "--change", str(change["id"]), "--why", "back to 10"
    )
    assert code == 0 and "settings.max_open_days: 5 -> the file's value" in out
    code, out, _ = ops(capsys, "show", "--family", FAMILY, "--json")
    shown = {item["field"]: item for item in json.loads(out)["fields"]}
    assert shown["settings.max_open_days"]["source"] == "file"
    assert shown["settings.max_open_days"]["effective"]["text"] == "10"
    assert shown["cc"]["source"] == "override"  # the other change stays
    code, _, err = ops(capsys, "revert", "--family", FAMILY, "--change", str(change["id"]), "--why", "twice")
    assert code == 1 and "already has the file's value" in err

    # A save from a version someone else changed since: refused, with what changed.
    code, _, err = ops(
        capsys, "set", "--family", FAMILY, "--why", "x", "max_open_days=7", "--if-version", "1"
    )
    assert code == 5 and "since you read version 1" in err and "settings.max_open_days" in err
    assert "cc: jefe.taller@autosur.example.com -> + taller@autosur.example.com (v2" not in err  # masked
    assert "cc: [address] -> + [address] (v2 by" in err
