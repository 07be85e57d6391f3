"""Tuning an alert without a deploy (issue 25), from the shell and through the page's API, on real
PostgreSQL, a real SMTP server and real DAG runs (`dag.test()`).

The workshop fixture's work orders are moved in time so that the family's next run (tomorrow,
08:00 in Buenos Aires) sees them as tests/fixtures/catalogue_workshop.sql describes them for
2026-12-01: open 10 days (2101, 2102), 9 days (2103) and 30 days (2104, branch 2). Ten more
branches each hold an order open 7 days, which a threshold of 5 days adds (each branch's report
goes to the dealership-level manager, Gustavo): what makes a change multiply the volume.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import date, datetime, time

import pytest

from tests.support.scenario import fresh_databases, run_and_record
from tests.support.workshop import ZONE, local_day, shift_workshop_to_tomorrow

pytestmark = pytest.mark.e2e

FAMILY = "work_orders_open_too_long"
DAG_ID = f"alert_{FAMILY}"
MARTIN = "martin.acosta@autosur.example.com"
GUSTAVO = "gustavo.herrera@autosur.example.com"
JEFE = "jefe.taller@autosur.example.com"


def at_0800(day: date) -> str:
    """The family's scheduled instant on `day` (08:00 local), as a logical date."""
    return datetime.combine(day, time(8), tzinfo=ZONE).isoformat()


def ops(*args: str) -> tuple[int, str, str]:
    """`ops settings ARGS`: its exit code, standard output and standard error."""
    from alertas_rapidas import ops as ops_cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = ops_cli.main(["settings", *args])
    return code, out.getvalue(), err.getvalue()


def received(messages) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in messages:
        found.setdefault(message.rcpt_tos[0], []).append(message)
    return found


def setting(summary: dict, name: str) -> dict:
    return next(item for item in summary["settings"] if item["field"] == f"settings.{name}")


REFUSALS = {
    "max_open_days=400": "settings.max_open_days: Input should be less than or equal to 365 (given: 400)",
    "max_open_dys=4": "settings.max_open_dys: unknown field; did you mean 'max_open_days'?",
    "recipients.main.cc+=role:credit_mgr": "role: Input should be 'parts_manager', 'sales_rep'",
    "cc+=ana@example,com": "cc.0: value is not a valid email address",
}


@pytest.fixture(scope="module")
def tuning(postgres, mail_sink, dagbag):
    """The whole story from the shell, each step's output or run kept under its name: refusals,
    yesterday's run, a change that needs confirming, the next run, the same date again, a backfill,
    off and alerts_health, on, a revert from the history, then a save from a stale version."""
    story = {}
    with fresh_databases(postgres, mail_sink, "organisation.sql", "catalogue_workshop.sql") as db:
        shift_workshop_to_tomorrow(db.dms)

        def day(offset, dag_id=DAG_ID, hour="08:00"):
            at = at_0800(local_day(offset)).replace("08:00", hour)
            family = dag_id.removeprefix("alert_")
            return run_and_record(
                dagbag, dag_id, at, family=family, mail_sink=mail_sink, ledger=db.ledger, retries=0
            )

        # The file's values, and every refusal in the models' words, storing nothing.
        story["show"] = ops("show", "--family", FAMILY)
        story["refusals"] = {
            assignment: ops("set", "--family", FAMILY, "--why", "try", assignment) for assignment in REFUSALS
        }
        story["no_why"] = ops("set", "--family", FAMILY, "max_open_days=5")
        story["history_before"] = ops("history", "--family", FAMILY)
        story["yesterday"] = day(-1)
        story["unconfirmed"] = ops(
            "set", "--family", FAMILY, "--why", "service wants 5 days", "max_open_days=5", "--by", "ana.ops"
        )
        story["history_unconfirmed"] = ops("history", "--family", FAMILY)
        story["confirmed"] = ops(
            "set", "--family", FAMILY, "--why", "service wants 5 days", "max_open_days=5",
            f"cc+={JEFE}", "--by", "ana.ops", "--confirm",
        )  # fmt: skip
        story["next"] = day(1)
        story["more_copies"] = ops(
            "set", "--family", FAMILY, "--why", "more copies", "cc+=taller@autosur.example.com"
        )
        story["again"] = day(1)
        story["before"] = day(-2)
        story["off"] = ops(
            "off", "--family", FAMILY, "--why", "workshop system migration", "--by", "beto.ops"
        )
        story["off_again"] = ops("off", "--family", FAMILY, "--why", "again")
        story["off_run"] = day(2)
        story["health"] = day(2, "alert_alerts_health", "07:00")
        story["on"] = ops("on", "--family", FAMILY, "--why", "migration done", "--by", "beto.ops")
        story["on_again"] = ops("on", "--family", FAMILY, "--why", "again")
        story["history"] = ops("history", "--family", FAMILY, "--json")
        ids = [
            item["id"]
            for item in json.loads(story["history"][1])
            if item.get("field") == "settings.max_open_days"
        ]
        if len(ids) == 1:
            story["revert"] = ops(
                "revert", "--family", FAMILY, "--change", str(ids[0]), "--why", "back to 10"
            )
            story["shown"] = ops("show", "--family", FAMILY, "--json")
            story["revert_twice"] = ops(
                "revert", "--family", FAMILY, "--change", str(ids[0]), "--why", "twice"
            )
        story["stale_save"] = ops(
            "set", "--family", FAMILY, "--why", "x", "max_open_days=7", "--if-version", "1"
        )
    return story


def test_show_lists_the_files_values_and_refusals_store_nothing(tuning):
    # The file's values, and every refusal in the models' words, storing nothing.
    code, out, _ = tuning["show"]
    assert code == 0 and "on; settings version 0" in out
    assert [line.split() for line in out.splitlines() if line.startswith("settings.max_open_days")] == [
        ["settings.max_open_days", "file", "10"]
    ]
    for assignment, message in REFUSALS.items():
        code, _, err = tuning["refusals"][assignment]
        assert code == 2 and message in err, (assignment, err)
    assert tuning["no_why"][0] == 2  # no --why
    code, _, err = tuning["history_before"]
    assert code == 1 and "no changes" in err  # nothing was stored


def test_before_any_change_the_run_uses_the_files_value(tuning):
    # Yesterday's run, before any change: branch 2's order only (30 days).
    assert tuning["yesterday"].state == "success"
    yesterday = tuning["yesterday"].summary
    assert yesterday["sent"] == 1 and setting(yesterday, "max_open_days") == {
        "field": "settings.max_open_days",
        "value": "10",
        "source": "file",
    }


def test_a_change_that_multiplies_the_volume_asks_for_a_confirmation(tuning):
    # 5 days: the next run would plan 12 reports, 10 times yesterday's 1: asks for a confirmation.
    code, _, err = tuning["unconfirmed"]
    assert code == 4 and "would plan 12 message(s); the last run planned 1" in err
    assert tuning["history_unconfirmed"][0] == 1
    code, out, _ = tuning["confirmed"]
    assert code == 0 and "settings.max_open_days: 10 -> 5 (v1 by ana.ops" in out


def test_the_next_run_sends_the_new_rows_to_the_added_copy_and_names_the_change(tuning):
    # The next run (tomorrow's, scheduled) sends the new rows, to the added copy, and names the change.
    assert tuning["next"].state == "success"
    nxt = tuning["next"].summary
    mails = received(tuning["next"].messages)
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


def test_a_later_change_never_resends_what_the_ledger_holds(tuning):
    # A later change never re-sends what the ledger holds: the same date again sends nothing.
    code, _, _ = tuning["more_copies"]
    assert code == 0
    assert tuning["again"].state == "success"
    again = tuning["again"].summary
    assert tuning["again"].messages == [] and (again["sent"], again["already_sent"]) == (0, 12)


def test_a_backfill_before_the_change_uses_that_dates_value(tuning):
    # A backfill of a date before the change uses that date's value (10): branch 2 only.
    assert tuning["before"].state == "success"
    before = tuning["before"].summary
    assert (
        setting(before, "max_open_days")["value"] == "10" and "settings_version" not in before
    )  # version 0: no override at T
    messages = tuning["before"].messages
    assert list(received(messages)) == [GUSTAVO] and "10 días" in messages[0].message["Subject"]
    assert "changes" not in before


def test_switched_off_the_run_sends_nothing_and_says_why(tuning):
    # Switched off: the day after tomorrow's scheduled run sends nothing and says why.
    code, out, _ = tuning["off"]
    assert code == 0 and "switched off (muted by beto.ops" in out
    code, _, err = tuning["off_again"]
    assert code == 5 and "is already switched off" in err
    assert tuning["off_run"].state == "success"
    off = tuning["off_run"].summary
    assert tuning["off_run"].messages == [] and off["sent"] == 0 and off["held"]["muted"] > 0
    assert "switched off (muted by beto.ops" in off["muted"] and "workshop system migration" in off["muted"]
    assert any(line.startswith("switched off by beto.ops") for line in off["changes"])


def test_alerts_health_says_the_family_is_off_the_next_morning(tuning):
    # alerts_health says so the next morning.
    assert tuning["health"].state == "success"
    [health] = [m for m in tuning["health"].messages if "Salud de las alertas" in m.message["Subject"]]
    body = health.message.get_body(("plain",)).get_content()
    assert f"{FAMILY}: apagada desde el" in body and "beto.ops: workshop system migration" in body


def test_switching_on_works_once(tuning):
    code, out, _ = tuning["on"]
    assert code == 0
    assert tuning["on_again"][0] == 1


def test_a_revert_from_the_history_brings_back_the_files_value_only(tuning):
    # Revert the threshold from the history: the file's value again.
    code, out, _ = tuning["history"]
    [change] = [item for item in json.loads(out) if item.get("field") == "settings.max_open_days"]
    assert change["before"]["text"] == "10" and change["after"]["text"] == "5"
    code, out, _ = tuning["revert"]
    assert code == 0 and "settings.max_open_days: 5 -> the file's value" in out
    code, out, _ = tuning["shown"]
    shown = {item["field"]: item for item in json.loads(out)["fields"]}
    assert shown["settings.max_open_days"]["source"] == "file"
    assert shown["settings.max_open_days"]["effective"]["text"] == "10"
    assert shown["cc"]["source"] == "override"  # the other change stays
    code, _, err = tuning["revert_twice"]
    assert code == 1 and "already has the file's value" in err


def test_a_save_from_a_stale_version_is_refused_saying_what_changed_masked(tuning):
    # A save from a version someone else changed since: refused, with what changed.
    code, _, err = tuning["stale_save"]
    assert code == 5 and "since you read version 1" in err and "settings.max_open_days" in err
    assert "cc: jefe.taller@autosur.example.com -> + taller@autosur.example.com (v2" not in err  # masked
    assert "cc: [address] -> + [address] (v2 by" in err
