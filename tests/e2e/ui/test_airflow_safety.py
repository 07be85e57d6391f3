"""Runs that never surprise the operator (issue 22), on `make ui`'s stack with scheduled runs ON: a
real scheduler, DAG processor and API server over the repository's DAGs folder.

- Unpausing never sends the past: a paused family whose last fire is long gone is triggered from
  Airflow's own trigger form with its defaults ("Unpause ... on trigger" ticked) and a dry run: the
  scheduler creates no run for the missed fire, the dry run sends nothing. A business-days family
  unpaused through the REST API gets no run either. Both keep their next fire as the next run.
- The form's run date is plain text written YYYY-MM-DD: `01/11/2026` is refused (no run), as is
  `pruebas@example,com` for `redirect_to` (HTTP 400 through the REST API).
- A dry run and a redirected run say so in Airflow's run list (`GET /api/v2/dags/{id}/dagRuns`):
  their note, set by the plugin's scheduler listener, without the test address.
- `make demo` uses the stack's Airflow database: its run shows through the stack's API server.

The families are chosen by the clock: the first of a list whose latest fire is well before the DAG
was parsed and whose next one is not during the test. Screenshots go to `test-artifacts/ui/`.
"""

from __future__ import annotations

import re
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from alertas_rapidas.run_notes import NOTES
from alertas_rapidas.schedule.missed_fires import LATE_FIRE_GRACE
from tests.support.demo_cli import run_demo
from tests.support.ui_stack import log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
RUN_DATE = "2026-11-01"
TEST_ADDRESS = "pruebas@concesionaria.com.ar"
# Monthly and weekly families first (their latest fire is days old), then daily ones at other hours.
CRON_FAMILIES = [
    "slow_moving_parts",
    "aged_vehicle_stock",
    "warranty_claims_pending",
    "birthday_greetings",
    "appointment_reminders",
    "exchange_rate_missing",
    "alerts_health",
    "credit_limit_exceeded",
]
BUSINESS_DAY_FAMILIES = ["cheques_to_deposit", "supplier_invoices_due"]
DEMO_FAMILY = "contact_data_quality"  # its run is made by `make demo`, not by the stack


def fires(family: str) -> tuple[datetime, datetime]:
    """(the missed fire Airflow's own rule would run as soon as the DAG is unpaused, the next fire),
    asked of the family's timetable as the scheduler asks it."""
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    from airflow.timetables.base import TimeRestriction

    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.paths import FAMILIES_DIR
    from alertas_rapidas.schedule.timetables import family_timetable as timetable

    config, _ = load_family_config(FAMILIES_DIR / f"{family}.yaml")
    start = datetime.combine(config.start_date, clock(0), tzinfo=ZoneInfo(config.timezone))
    restriction = TimeRestriction(earliest=start, latest=None, catchup=False)
    airflows_rule = config.model_copy(
        update={"schedule": config.schedule.model_copy(update={"catch_up_last_missed": True})}
    )

    def first(cfg):
        return timetable(cfg).next_dagrun_info(last_automated_data_interval=None, restriction=restriction)

    return first(airflows_rule).run_after, first(config).run_after


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def quiet_family(airflow, candidates: list[str]) -> tuple[str, datetime, datetime] | None:
    """The first family whose missed fire is more than the grace older than its parse (so even
    Airflow's rule would have kept it) and whose next fire is not within the next 15 minutes."""
    now = datetime.now(UTC)
    for family in candidates:
        missed, upcoming = fires(family)
        parsed = when(airflow.api("GET", f"/api/v2/dags/alert_{family}/details").json()["last_parsed_time"])
        if missed < parsed - LATE_FIRE_GRACE - timedelta(minutes=1) and upcoming > now + timedelta(
            minutes=15
        ):
            return family, missed, upcoming
    return None


def runs_of(airflow, dag_id: str) -> list[dict]:
    return airflow.api("GET", f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100}).json()["dag_runs"]


def dag_of(airflow, dag_id: str) -> dict:
    return airflow.api("GET", f"/api/v2/dags/{dag_id}").json()


def set_paused(airflow, dag_id: str, paused: bool) -> None:
    response = airflow.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": paused})
    assert response.status_code == 200, response.text


def test_unpausing_and_a_dry_run_from_the_trigger_form_send_nothing(ui_stack, chromium):
    from playwright.sync_api import expect

    airflow, mail = ui_stack.airflow, ui_stack.sink.store
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    quiet = quiet_family(airflow, CRON_FAMILIES)
    assert quiet, f"none of {CRON_FAMILIES} is clear of a fire right now: extend the list"
    family, missed, upcoming = quiet
    dag_id = f"alert_{family}"
    mail_before = len(mail.messages)

    # Paused, and the scheduler's next run is the next fire, not the one it missed.
    dag = dag_of(airflow, dag_id)
    assert dag["is_paused"] is True
    assert when(dag["next_dagrun_run_after"]) == upcoming > missed

    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        log_in(page, airflow)
        page.goto(f"{airflow.url}/dags/{dag_id}")
        page.get_by_test_id("trigger-dag-button").click()
        form = page.get_by_role("dialog")
        # The trap of issue 22: the form unpauses the DAG by default.
        expect(form.get_by_role("checkbox", name=re.compile(r"^Unpause .* on trigger$"))).to_be_checked()
        form.locator("label[id='switch:element_dry_run']").click()
        run_date = form.locator("input[name='element_run_date']")
        # Plain text, no date picker: what is typed is what is sent, so 01/11/2026 is refused.
        assert run_date.get_attribute("type") in (None, "text")
        run_date.fill("01/11/2026")
        run_date.scroll_into_view_if_needed()
        form.screenshot(path=str(ARTIFACTS / "safe_01_trigger_form_run_date.png"))
        form.get_by_test_id("trigger-dag-submit").click()
        expect(page.get_by_text("Failed to Trigger Dag")).to_be_visible()
        assert runs_of(airflow, dag_id) == []
        run_date.fill(RUN_DATE)
        # (the error toast lies over the button: a click event on the button itself)
        form.get_by_test_id("trigger-dag-submit").dispatch_event("click")
        page.wait_for_url(f"**/dags/{dag_id}/runs/**")
        page.screenshot(path=str(ARTIFACTS / "safe_02_dry_run_triggered.png"))
    finally:
        context.close()

    [run] = runs_of(airflow, dag_id)
    done = airflow.wait_for_run(dag_id, run["dag_run_id"])
    assert done["state"] == "success", airflow.log_tail()
    assert done["run_type"] == "manual" and done["conf"]["dry_run"] is True
    assert done["conf"]["run_date"] == RUN_DATE
    # Recognisable in the run list: the listener's note.
    assert done["note"] == NOTES["dry run"]
    # Unpaused by the form; still no scheduled run for the missed fire, and the next run unchanged.
    dag = dag_of(airflow, dag_id)
    assert dag["is_paused"] is False
    assert when(dag["next_dagrun_run_after"]) == upcoming
    assert [r["dag_run_id"] for r in runs_of(airflow, dag_id)] == [run["dag_run_id"]]
    # The dry run rendered the family's messages and no mail left.
    with psycopg.connect(ui_stack.server.dsn("alerts")) as conn:
        [(summary,)] = conn.execute(
            "select summary from alerts.runs where dag_id = %s and run_id = %s", (dag_id, run["dag_run_id"])
        ).fetchall()
        delivered = conn.execute(
            "select count(*) from alerts.deliveries where family = %s", (family,)
        ).fetchone()
    assert summary["dry_run_mode"] is True and summary["dry_run"] > 0 and summary["sent"] == 0
    assert delivered == (0,)
    assert len(mail.messages) == mail_before

    # A business-days family unpaused through the REST API: no run for the fire it missed either.
    # (All of them fire at 08:00: from 07:45 to about 08:06 on a business day none is clear.)
    quiet = quiet_family(airflow, BUSINESS_DAY_FAMILIES)
    if quiet is None:
        warnings.warn(
            "no business-days family clear of a fire now: its unpause was not checked", stacklevel=1
        )
    else:
        business, missed_business, next_business = quiet
        business_dag = f"alert_{business}"
        set_paused(airflow, business_dag, False)
        try:
            deadline = time.monotonic() + 12  # the scheduler looks for due DAGs every loop (about 1 s)
            while time.monotonic() < deadline:
                assert runs_of(airflow, business_dag) == [], f"a run of {business} for {missed_business}"
                time.sleep(2)
            assert when(dag_of(airflow, business_dag)["next_dagrun_run_after"]) == next_business
        finally:
            set_paused(airflow, business_dag, True)

    # Strict parameters through the REST API: refused with 400, no run.
    for conf, line in [
        ({"run_date": "01/11/2026"}, "Invalid input for param run_date: '01/11/2026' does not match"),
        (
            {"redirect_to": "pruebas@example,com"},
            "Invalid input for param redirect_to: 'pruebas@example,com'",
        ),
    ]:
        refused = airflow.api(
            "POST", f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf}
        )
        assert refused.status_code == 400 and refused.json()["detail"].startswith(line), refused.text
    assert len(runs_of(airflow, dag_id)) == 1

    # A redirected run, with a note of its own: marked first, the address nowhere.
    response = airflow.api(
        "POST",
        f"/api/v2/dags/{dag_id}/dagRuns",
        json={
            "logical_date": None,
            "conf": {"redirect_to": TEST_ADDRESS, "run_date": RUN_DATE},
            "note": "checking the new letterhead",
        },
    )
    assert response.status_code in (200, 201), response.text
    redirected = airflow.wait_for_run(dag_id, response.json()["dag_run_id"])
    assert redirected["state"] == "success", airflow.log_tail()
    listed = {r["dag_run_id"]: r["note"] for r in runs_of(airflow, dag_id)}
    assert listed == {
        run["dag_run_id"]: NOTES["dry run"],
        redirected["dag_run_id"]: NOTES["redirected"] + "\n\nchecking the new letterhead",
    }
    assert TEST_ADDRESS not in str(listed)
    sent = mail.messages[mail_before:]
    assert sent and {tuple(m.rcpt_tos) for m in sent} == {(TEST_ADDRESS,)}
    set_paused(airflow, dag_id, True)
    mail.clear()  # the stack's mailbox is shared with the next tests: leave it as found (empty)


def test_make_demo_runs_show_in_make_ui(ui_stack):
    """`make demo` (dag.test() in its own process) writes its runs into the Airflow database the
    stack's API server reads: the run is listed, with its task instances."""
    airflow = ui_stack.airflow
    dag_id = f"alert_{DEMO_FAMILY}"
    assert runs_of(airflow, dag_id) == []
    demo = run_demo(ui_stack.demo_dir, dag_id)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert f"database airflow in {ui_stack.demo_dir / 'pg'}, as make ui" in demo.stdout

    [run] = runs_of(airflow, dag_id)
    assert (run["state"], run["run_type"], run["triggered_by"]) == ("success", "manual", "test")
    assert run["logical_date"] == "2026-11-01T11:00:00Z"  # the demo's date, 08:00 in Buenos Aires
    run_path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run['dag_run_id'], safe='')}"
    assert airflow.api("GET", run_path).status_code == 200
    tasks = airflow.api("GET", run_path + "/taskInstances").json()["task_instances"]
    assert {t["task_id"]: t["state"] for t in tasks}["summarize"] == "success"
    assert dag_of(airflow, dag_id)["is_paused"] is True  # the demo ran it; the stack's scheduler did not
