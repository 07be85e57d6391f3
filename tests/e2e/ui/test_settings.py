"""The Settings tab's JSON without a browser (issue 25): the page's FastAPI app against the real
ledger and DMS, with fixed permissions standing in for the API server's auth manager: two editors
(ana, beto) who may trigger runs and edit the alert's DAG, and a viewer who may only read runs.
The workshop's work orders are placed at the family's next scheduled run, the one the preview
shows (today before 08:00 in Buenos Aires, else tomorrow: tests/support/workshop.py), and the
steps run once for the module (`editing`); each test checks one rule on the responses kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from alertas_rapidas.ui.access import Access
from alertas_rapidas.ui.app import create_app
from tests.e2e.test_tune_alert import FAMILY, JEFE
from tests.support.scenario import fresh_databases
from tests.support.workshop import next_run_day, shift_workshop_to

pytestmark = pytest.mark.e2e


def client(user: str, *, trigger: bool = True, edit: bool = True) -> TestClient:
    return TestClient(create_app(Access.fixed(trigger=trigger, connections=False, user=user, edit=edit)))


def fields(data: dict) -> dict[str, dict]:
    return {item["field"]: item for item in data["fields"]}


def change(client_: TestClient, version: int, *changes: dict, reason: str = "tuning", **extra) -> object:
    body = {"family": FAMILY, "version": version, "reason": reason, "changes": list(changes), **extra}
    return client_.post("/api/settings/change", json=body)


DAYS = "settings.max_open_days"
REFUSALS = [
    (
        {"field": DAYS, "text": "0"},
        "settings.max_open_days: Input should be greater than or equal to 1 (given: 0)",
    ),
    (
        {"field": "recipients.main.cc", "entries": ["role:jefe_de_taller"], "merge": "add"},
        "Input should be 'parts_manager', 'sales_rep', 'service_manager'",
    ),
    (
        {"field": "cc", "entries": ["jefe.taller@autosur"], "merge": "add"},
        "cc.0: value is not a valid email address",
    ),
    (
        {"field": "recipients.main.to", "entries": ["role:general_manager branch:sucursal"]},
        "'sucursal' is not a branch column of this stage; allowed: branch_id",
    ),
    ({"field": "settings.max_open_dias", "text": "5"}, "did you mean 'max_open_days'?"),
]


@pytest.fixture(scope="module")
def editing(postgres, mail_sink, airflow_db):
    """The Settings tab used by two editors and a viewer, each response kept under its step's name:
    refusals, a save, a preview, a save that needs confirming, two editors' saves, the viewer's
    reads and attempts, switching off twice, then a revert from the history."""
    story = {}
    with fresh_databases(postgres, mail_sink, "organisation.sql", "catalogue_workshop.sql") as db:
        shift_workshop_to(db.dms, next_run_day())  # the day the Settings preview shows
        ana, beto, viewer = client("ana.ops"), client("beto.ops"), client("viewer", trigger=False, edit=False)
        story["shown"] = ana.get("/api/settings", params={"family": FAMILY})
        story["refusals"] = [
            (
                path,
                message,
                ana.post(path, json={"family": FAMILY, "version": 0, "reason": "x", "changes": [edit]}),
            )
            for edit, message in REFUSALS
            for path in ("/api/settings/preview", "/api/settings/change")
        ]
        story["history_after_refusals"] = ana.get("/api/settings", params={"family": FAMILY}).json()[
            "history"
        ]
        story["saved_30"] = change(ana, 0, {"field": DAYS, "text": "30"}, reason="only the oldest")
        story["preview_5"] = ana.post(
            "/api/settings/preview", json={"family": FAMILY, "changes": [{"field": DAYS, "text": "5"}]}
        )
        story["asked"] = change(ana, 1, {"field": DAYS, "text": "5"})
        story["saved_5"] = change(
            ana,
            1,
            {"field": DAYS, "text": "5"},
            {"field": "cc", "entries": [JEFE], "merge": "add"},
            confirm=True,
        )
        story["late"] = change(beto, 1, {"field": DAYS, "text": "7"}, confirm=True)
        story["version_after_late"] = ana.get("/api/settings", params={"family": FAMILY}).json()["version"]
        story["seen"] = viewer.get("/api/settings", params={"family": FAMILY}).json()
        story["viewer_change"] = change(viewer, 2, {"field": DAYS, "text": "6"})
        story["viewer_preview"] = viewer.post("/api/settings/preview", json={"family": FAMILY, "changes": []})
        story["off"] = ana.post(
            "/api/settings/switch", json={"family": FAMILY, "on": False, "reason": "taller cerrado"}
        )
        story["off_again"] = beto.post(
            "/api/settings/switch", json={"family": FAMILY, "on": False, "reason": "x"}
        )
        story["overview_mutes"] = viewer.get("/api/overview").json()["mutes"]
        history = story["history"] = ana.get("/api/settings", params={"family": FAMILY}).json()["history"]
        firsts = [item for item in history if item.get("field") == DAYS and item["version"] == 1]
        if len(firsts) == 1:
            story["reverted"] = ana.post(
                "/api/settings/revert",
                json={"family": FAMILY, "change": firsts[0]["id"], "version": 2, "reason": "back to 10"},
            )
    return story


def test_the_tab_shows_each_fields_file_value_effective_value_and_what_it_accepts(editing):
    shown = editing["shown"]
    assert shown.status_code == 200, shown.text
    data = shown.json()
    assert (data["version"], data["can_edit"], data["state"]["on"]) == (0, True, True)
    days = fields(data)[DAYS]
    assert (days["file"]["text"], days["effective"]["text"], days["source"]) == ("10", "10", "file")
    assert days["declared"] == {"type": "int", "min": 1.0, "max": 365.0, "choices": None}


def test_refused_values_give_the_models_messages_and_store_nothing(editing):
    # Refused values: the models' messages, one per line, and nothing stored.
    for path, message, response in editing["refusals"]:
        assert response.status_code == 400 and message in " ".join(response.json()["errors"]), (
            path,
            response.text,
        )
    assert editing["history_after_refusals"] == []


def test_a_save_stores_a_new_version(editing):
    # 30 days first: the next run would plan one report (branch 2's order, open 30 days).
    saved = editing["saved_30"]
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], fields(saved.json())[DAYS]["effective"]["text"]) == (1, "30")


def test_the_preview_shows_the_next_runs_new_rows_and_their_volume(editing):
    # The preview of the next run under 5 days: the new rows (order 2103) and ten more branches.
    preview = editing["preview_5"]
    assert preview.status_code == 200, preview.text
    found = preview.json()
    assert found["current"]["messages"] == 1 and found["preview"]["counts"]["messages"] == 12
    [martin] = [m for m in found["preview"]["messages"] if m["to"] == ["martin.acosta@autosur.example.com"]]
    assert "5 días o más: 3" in martin["subject"] and ">2103<" in martin["html"]
    assert found["volume"] == found["volume"] | {"proposed": 12, "baseline": 1, "needs_confirmation": True}


def test_a_save_that_multiplies_the_volume_asks_for_a_confirmation(editing):
    # Saving asks for a confirmation (12 is 10 times or more the 1 the next run would plan now).
    asked = editing["asked"]
    assert asked.status_code == 409 and asked.json()["needs_confirmation"] is True
    assert "would plan 12 message(s)" in asked.json()["detail"]


def test_of_two_editors_of_one_version_the_later_save_is_refused_with_the_current_value(editing):
    # Two editors read version 1; ana saves first; beto's save is refused with the current value.
    saved = editing["saved_5"]
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], fields(saved.json())[DAYS]["effective"]["text"]) == (2, "5")
    late = editing["late"]
    assert late.status_code == 409 and late.json()["conflict"] is True
    assert "changed by ana.ops" in late.json()["detail"]
    assert any("settings.max_open_days: 30 -> 5 (v2 by ana.ops" in line for line in late.json()["errors"])
    assert fields(late.json()["current"])[DAYS]["effective"]["text"] == "5"  # the current value, not lost
    assert editing["version_after_late"] == 2


def test_a_viewer_sees_values_and_history_masked_and_may_not_change_them(editing):
    # The viewer sees the values and the history, addresses masked, and may not change them.
    seen = editing["seen"]
    assert seen["can_edit"] is False and fields(seen)[DAYS]["source"] == "override"
    assert JEFE not in str(seen) and fields(seen)["cc"]["override"]["entries"] == ["[address]"]
    assert {item["field"] for item in seen["history"]} == {DAYS, "cc"} and len(seen["history"]) == 3
    refused = editing["viewer_change"]
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Your Airflow role does not allow this: it needs the permission to edit this alert's DAG "
        "(what pausing it needs)."
    )
    assert editing["viewer_preview"].status_code == 403


def test_switched_off_by_one_editor_refused_to_the_other_and_shown_to_everyone(editing):
    # Switched off by one, refused to the other with the state; the overview shows it to everyone.
    off = editing["off"]
    assert off.status_code == 200 and off.json()["state"]["off"] is True
    again = editing["off_again"]
    assert again.status_code == 409 and "is already switched off (muted by ana.ops" in again.json()["detail"]
    [mute] = editing["overview_mutes"]
    assert (mute["family"], mute["state"], mute["by"], mute["reason"]) == (
        FAMILY,
        "off",
        "ana.ops",
        "taller cerrado",
    )


def test_a_revert_from_the_history_restores_what_was_in_force_before_the_change(editing):
    # Revert the first change from the history: what was in force before it, the file's value.
    history = editing["history"]
    [first] = [item for item in history if item.get("field") == DAYS and item["version"] == 1]
    assert (first["before"]["text"], first["after"]["text"], first["reason"]) == (
        "10",
        "30",
        "only the oldest",
    )
    reverted = editing["reverted"]
    assert reverted.status_code == 200, reverted.text
    back = fields(reverted.json())
    assert (back[DAYS]["source"], back[DAYS]["effective"]["text"]) == ("file", "10")
    [latest] = [item for item in reverted.json()["history"] if item.get("reverts") == first["id"]]
    assert (latest["action"], latest["before"]["text"], latest["by"], latest["version"]) == (
        "unset",
        "5",
        "ana.ops",
        3,
    )
