"""The Airflow UI in a real browser: `make ui`'s stack (tools/alertas_dev/ui_stack.py: embedded
PostgreSQL holding the demo DMS, the ledger and Airflow's metadata database, the SMTP sink,
`airflow standalone`) on loopback, headless Chromium.

One test walks what the data team does: log in, see every `alert_*` DAG by its title (no import
error), read a DAG's docs, open the trigger form (the run parameters; a date written 01/11/2026 is
refused before any run starts), unpause and trigger a dry run and see it succeed, read the run's
"Alertas" tab, open the "Alertas Rápidas" page (Browse menu) to see the ledger's counts and every
run with its Airflow state. A real run of the same date, triggered through the REST API next to
the dry run, fills the ledger the page counts.

A second test uses the Alertas page as operators do (issue 22), in Spanish with the user's zone
set to Buenos Aires: local times, a run link that opens the run, the message search finding a
customer's statement, the preview of `vehicle_arrived` for 2026-11-01 showing the three messages
that day's run sent, "send a test to me" delivering one message to the address given and nothing
else; and as the viewer, in English and the dark theme: no control they cannot use, and a refused
call that says why in words. Screenshots go to `test-artifacts/ui/`.

Needs Debian's `chromium` (`/usr/bin/chromium`, installed by `.ci/run`) and the `playwright`
package (requirements-dev.txt); Playwright never downloads a browser here.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from alertas_dev.ui_screens import log_in, tall_screenshot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
RUN_DATE = "2026-11-01"  # the demo data's October statements
RUN_TIMEOUT = 240
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def expected_dag_ids() -> list[str]:
    return sorted(
        f"alert_{p.stem}" for p in (ROOT / "dags" / "families").glob("*.yaml") if p.stem != "_defaults"
    )


def business_day_dags() -> dict[str, bool]:
    """DAG id -> whether its family file schedules it on business days only."""
    import yaml

    return {
        f"alert_{p.stem}": bool(
            ((yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("schedule") or {}).get("business_days")
        )
        for p in (ROOT / "dags" / "families").glob("*.yaml")
        if p.stem != "_defaults"
    }


@pytest.fixture(scope="module")
def airflow_ui(ui_stack):
    return ui_stack.airflow


@pytest.fixture(scope="module")
def demo_databases(ui_stack):
    """The stack's PostgreSQL: the demo DMS in `dms`, the ledger in `alerts`."""
    return ui_stack.server


@pytest.fixture(scope="module")
def stack_mail(ui_stack):
    return ui_stack.sink.store


@pytest.fixture(scope="module")
def browser(chromium):
    """Chromium from tests/e2e/conftest.py (one Playwright instance at a time)."""
    return chromium


def ledger_counts(postgres, family: str, run_date: str) -> dict[str, object]:
    with psycopg.connect(postgres.dsn("alerts")) as conn:
        by_status = dict(
            conn.execute(
                "select status, count(*) from alerts.deliveries where family = %s and run_date = %s "
                "group by status",
                (family, run_date),
            ).fetchall()
        )
        reasons = conn.execute(
            "select reason, count(*) from alerts.deliveries "
            "where family = %s and run_date = %s and status = 'skipped' group by reason order by reason",
            (family, run_date),
        ).fetchall()
    return {**by_status, "reasons": ", ".join(f"{reason} {n}" for reason, n in reasons)}


def test_the_data_team_walks_the_ui(airflow_ui, browser, demo_databases, stack_mail):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    expect.set_options(timeout=30_000)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    url = airflow_ui.url

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    try:
        # Log in with the password standalone generated.
        page.goto(url + "/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(airflow_ui.password)
        shot("01_login")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="User")).to_be_visible()
        expect(page.get_by_text("Welcome")).to_be_visible()

        # Every alert DAG listed, and no import error anywhere.
        dag_ids = expected_dag_ids()
        assert DAG_ID in dag_ids
        # Listed by the alert's title (dag_display_name), the family file's `title:`.
        listed = airflow_ui.api("GET", "/api/v2/dags", params={"limit": 100}).json()["dags"]
        titles = {dag["dag_id"]: dag["dag_display_name"] for dag in listed}
        assert titles[DAG_ID] == "Account statements (cuentas corrientes)"
        assert all(titles[dag_id] != dag_id for dag_id in dag_ids)
        page.goto(url + "/dags")
        page.get_by_role("button", name="Show table view").click()
        for dag_id in dag_ids:
            expect(page.get_by_role("link", name=titles[dag_id], exact=True).first).to_be_visible()
        # The alert DAGs, the daily `alertas_housekeeping` DAG and the bounce mailbox's `alertas_bounces`.
        expect(page.get_by_text(f"{len(dag_ids) + 2} Dags", exact=True)).to_be_visible()
        shot("02_dags")
        assert airflow_ui.api("GET", "/api/v2/importErrors").json()["total_entries"] == 0
        # Each DAG's schedule as the UI shows it: business-day families by their own timetable
        # (registered by the plugin), the others by their cron.
        summaries = {dag["dag_id"]: dag["timetable_summary"] for dag in listed}
        for dag_id, business_days in business_day_dags().items():
            assert ("(business days, AR)" in summaries[dag_id]) is business_days, (dag_id, summaries[dag_id])
            # the others by their cron and the dealership's time zone it runs in, not a bare cron
            assert business_days or summaries[dag_id].endswith("(Buenos Aires)"), (dag_id, summaries[dag_id])
        page.goto(url + "/")
        expect(page.get_by_text("Welcome")).to_be_visible()
        expect(page.get_by_text("Health")).to_be_visible()
        expect(page.get_by_text("Dag Import Error")).to_have_count(0)

        # The DAG's docs (doc_md from its config file).
        page.goto(f"{url}/dags/{DAG_ID}")
        page.get_by_test_id("markdown-button").click()
        docs = page.get_by_role("dialog")
        expect(docs).to_contain_text("Account statements")
        expect(docs).to_contain_text(f"dags/families/{FAMILY}.yaml")
        expect(docs).to_contain_text("Run parameters: dry_run")
        shot("03_dag_docs")
        page.keyboard.press("Escape")
        expect(docs).to_be_hidden()

        # Unpause it: the scheduler inside standalone runs what is triggered.
        toggle = page.get_by_test_id("toggle-pause")
        expect(toggle.locator("input")).not_to_be_checked()
        toggle.click()
        expect(toggle.locator("input")).to_be_checked()

        # The trigger form shows the run parameters; trigger a dry run for the demo date.
        page.get_by_test_id("trigger-dag-button").click()
        form = page.get_by_role("dialog")
        for switch in ("Dry run", "Force resend", "Resend unknown"):
            expect(form.get_by_role("checkbox", name=switch)).not_to_be_checked()
        for field in ("redirect_to", "run_date"):
            expect(form.locator(f"input[name='element_{field}']")).to_be_visible()
        expect(form.get_by_text("Redirect to", exact=True)).to_be_visible()
        expect(form.get_by_text("Run date (YYYY-MM-DD)", exact=True)).to_be_visible()
        form.locator("label[id='switch:element_dry_run']").click()
        expect(form.get_by_role("checkbox", name="Dry run")).to_be_checked()
        form.locator("input[name='element_run_date']").fill(RUN_DATE)
        shot("04_trigger_form")
        dry_run_id = f"ui_dry_run__{int(time.time())}"
        form.get_by_role("button", name="Advanced Options").click()
        form.locator("input[name='dagRunId']").fill(dry_run_id)
        form.get_by_test_id("trigger-dag-submit").click()
        page.wait_for_url(f"**/dags/{DAG_ID}/runs/{dry_run_id}**")

        # The dealership's way of writing a date is refused before any run starts, with the reason.
        refused = airflow_ui.api(
            "POST",
            f"/api/v2/dags/{DAG_ID}/dagRuns",
            json={
                "logical_date": None,
                "conf": {"run_date": "01/11/2026", "redirect_to": "pruebas@example.com"},
            },
        )
        assert refused.status_code == 400, refused.text
        assert "run_date: '01/11/2026' does not match" in refused.json()["detail"]
        refused = airflow_ui.api(
            "POST",
            f"/api/v2/dags/{DAG_ID}/dagRuns",
            json={"logical_date": None, "conf": {"redirect_to": "not-an-address"}},
        )
        assert refused.status_code == 400 and "redirect_to" in refused.json()["detail"], refused.text

        # A real run of the same date (through the REST API) fills the ledger the page counts.
        real_run_id = f"api_run__{int(time.time())}"
        response = airflow_ui.api(
            "POST",
            f"/api/v2/dags/{DAG_ID}/dagRuns",
            json={"dag_run_id": real_run_id, "logical_date": None, "conf": {"run_date": RUN_DATE}},
        )
        assert response.status_code in (200, 201), response.text

        dry = airflow_ui.wait_for_run(DAG_ID, dry_run_id)
        assert dry["state"] == "success", airflow_ui.log_tail()
        assert dry["conf"]["dry_run"] is True and dry["conf"]["run_date"] == RUN_DATE
        page.reload()
        expect(page.get_by_text("Success", exact=True).first).to_be_visible()
        shot("05_dry_run_success")

        # The run's summary, on the run: the plugin's "Alertas" tab (a React app in the UI).
        with psycopg.connect(demo_databases.dsn("alerts")) as conn:
            [(summary,)] = conn.execute(
                "select summary from alerts.runs where dag_id = %s and run_id = %s", (DAG_ID, dry_run_id)
            ).fetchall()
        assert summary["dry_run_mode"] is True and summary["sent"] == 0 and summary["dry_run"] > 0
        page.get_by_role("link", name="Alertas", exact=True).click()
        tab = page.get_by_test_id("alertas-run")
        expect(tab.get_by_test_id("run-line")).to_contain_text(f"dry run: rendered {summary['dry_run']}")
        expect(tab.locator("[data-col='candidates']")).to_have_text(str(summary["candidates"]))
        expect(tab.get_by_test_id("run-mode")).to_have_attribute("data-mode", "dry_run")
        shot("06_run_summary_tab")

        real = airflow_ui.wait_for_run(DAG_ID, real_run_id)
        assert real["state"] == "success", airflow_ui.log_tail()
        counts = ledger_counts(demo_databases, FAMILY, RUN_DATE)
        assert counts.get("sent", 0) > 0 and counts.get("skipped", 0) > 0
        assert len(stack_mail.messages) == counts["sent"]  # the dry run sent nothing

        # The Alertas Rápidas page, from the Browse menu, filtered to the family and the date.
        page.get_by_role("button", name="Browse").click()
        page.get_by_role("menuitem", name="Alertas Rápidas").click()
        page.wait_for_url("**/plugin/alertas**")
        alertas = page.get_by_test_id("alertas-page")
        expect(alertas.get_by_test_id("page-title")).to_have_text("Alertas Rápidas")
        alertas.get_by_test_id("filter").locator("select[name='family']").select_option(FAMILY)
        alertas.locator("input[name='from']").fill(RUN_DATE)
        alertas.locator("input[name='to']").fill(RUN_DATE)
        alertas.get_by_role("button", name="Filter").click()
        row = alertas.locator(f"tr[data-family='{FAMILY}'][data-day='{RUN_DATE}']")
        expect(row.locator("[data-col='sent']")).to_have_text(str(counts["sent"]))
        expect(row.locator("[data-col='skipped']")).to_have_text(str(counts["skipped"]))
        expect(row.locator("[data-col='skipped_by_reason']")).to_have_attribute(
            "data-reasons", counts["reasons"]
        )
        expect(row.locator("[data-col='failed']")).to_have_text("0")
        expect(alertas.locator("table[data-testid='days'] tbody tr")).to_have_count(1)
        runs = alertas.locator("table[data-testid='runs']")
        expect(runs.locator(f"tr[data-run-id='{dry_run_id}'] [data-col='mode']")).to_have_attribute(
            "data-mode", "dry_run"
        )
        expect(runs.locator(f"tr[data-run-id='{real_run_id}'] [data-col='mode']")).to_have_text("normal")
        expect(runs.locator(f"tr[data-run-id='{real_run_id}'] [data-col='sent']")).to_have_text(
            str(counts["sent"])
        )
        # Every run with its Airflow state (the dry run included, though it wrote no messages).
        airflow_runs = alertas.locator("table[data-testid='airflow-runs']")
        for run_id in (dry_run_id, real_run_id):
            expect(
                airflow_runs.locator(f"tr[data-airflow-run-id='{run_id}'] [data-col='state'] [data-state]")
            ).to_have_attribute("data-state", "success")
        shot("07_alertas_page")
        assert "Messages per family and day" in alertas.inner_text()
        assert EMAIL.search(alertas.inner_text()) is None, "the overview shows counts only, never an address"

        # An unknown family in the filter: one clear line, not an empty page that looks healthy.
        bad = airflow_ui.api("GET", "/alertas/api/overview", params={"family": "customer_statement"})
        assert bad.status_code == 400 and "no family 'customer_statement'" in bad.json()["detail"]
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "zz_failure.png"))
        raise
    finally:
        context.close()


VEHICLES = "vehicle_arrived"
VEHICLES_DAG = "alert_vehicle_arrived"
VEHICLES_AT = "2026-11-01T11:00:00+00:00"  # 08:00 in Buenos Aires: the arrivals of [07:00, 08:00)
BUENOS_AIRES = ZoneInfo("America/Argentina/Buenos_Aires")
TEST_ADDRESS = "pruebas@example.com"


def trigger(airflow_ui, dag_id: str, run_id: str, logical_date: str | None, conf: dict) -> dict:
    """Unpause `dag_id` (the stack creates no scheduled runs), trigger one run and wait for it."""
    airflow_ui.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    response = airflow_ui.api(
        "POST",
        f"/api/v2/dags/{dag_id}/dagRuns",
        json={"dag_run_id": run_id, "logical_date": logical_date, "conf": conf},
    )
    assert response.status_code in (200, 201), response.text
    run = airflow_ui.wait_for_run(dag_id, run_id)
    assert run["state"] == "success", airflow_ui.log_tail()
    return run


def sent_rows(postgres, family: str, run_date: str) -> list[tuple]:
    with psycopg.connect(postgres.dsn("alerts")) as conn:
        return conn.execute(
            "select recipient_ref, subject, run_id from alerts.deliveries "
            "where family = %s and run_date = %s and status = 'sent' order by recipient_ref",
            (family, run_date),
        ).fetchall()


def test_operators_use_the_alertas_page(airflow_ui, browser, demo_databases, stack_mail):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)
    url = airflow_ui.url
    stamp = int(time.time())

    # The day's real runs: vehicle arrivals of 2026-11-01 07:00-08:00 (three), and the statements
    # of that date (the walk-through above sends them; alone, this test sends them itself).
    vehicles_run = f"api_vehicles__{stamp}"
    trigger(airflow_ui, VEHICLES_DAG, vehicles_run, VEHICLES_AT, {})
    if not sent_rows(demo_databases, FAMILY, RUN_DATE):
        trigger(airflow_ui, DAG_ID, f"api_statements__{stamp}", None, {"run_date": RUN_DATE})
    vehicles_sent = sent_rows(demo_databases, VEHICLES, RUN_DATE)
    assert len(vehicles_sent) == 3, vehicles_sent
    statements_sent = sent_rows(demo_databases, FAMILY, RUN_DATE)
    with psycopg.connect(demo_databases.dsn("alerts")) as conn:
        [(finished,)] = conn.execute(
            "select finished_at from alerts.runs where dag_id = %s and run_id = %s",
            (VEHICLES_DAG, vehicles_run),
        ).fetchall()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)

    def shot(name: str) -> None:
        tall_screenshot(page, ARTIFACTS / f"{name}.png")

    try:
        log_in(page, url, "admin", airflow_ui.password, language="es")
        page.goto(url + "/plugin/alertas")
        alertas = page.get_by_test_id("alertas-page")

        # Spanish, as the UI: every word of the page, the summary line included.
        expect(page.get_by_test_id("alertas-root")).to_have_attribute("data-language", "es")
        expect(alertas.get_by_test_id("tab-overview")).to_have_text("Resumen")
        expect(alertas.get_by_test_id("tab-messages")).to_have_text("Búsqueda de mensajes")
        expect(alertas.get_by_role("heading", name="Corridas en Airflow")).to_be_visible()
        expect(alertas.get_by_role("heading", name="Mensajes por familia y día")).to_be_visible()
        run_row = alertas.locator(f"table[data-testid='runs'] tr[data-run-id='{vehicles_run}']")
        expect(run_row.locator("[data-col='line']")).to_have_text("enviados 3, omitidos 0, fallidos 0")

        # Times in the user's zone (Buenos Aires, UTC-3), not UTC.
        expect(alertas.get_by_test_id("times-in")).to_contain_text(
            "America/Argentina/Buenos_Aires (UTC-03:00)"
        )
        local = finished.astimezone(BUENOS_AIRES).strftime("%Y-%m-%d %H:%M")
        assert local != finished.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M")
        expect(run_row.locator("[data-col='finished']")).to_have_text(local)
        shot("10_alertas_page_es")

        # A run link opens the run in the same UI; its Alertas tab has the run's summary.
        run_row.get_by_test_id("run-link").click()
        page.wait_for_url(re.compile(rf".*/dags/{VEHICLES_DAG}/runs/{vehicles_run}$"))
        expect(page.get_by_text(vehicles_run).first).to_be_visible()
        page.get_by_role("link", name="Alertas", exact=True).click()
        expect(page.get_by_test_id("run-line")).to_have_text("enviados 3, omitidos 0, fallidos 0")
        expect(page.get_by_test_id("alertas-run").locator("[data-col='sent']")).to_have_text("3")
        shot("11_run_tab_es")

        # The message search finds a customer's statement, with its state, reply and .eml.
        customer, subject, _ = statements_sent[0]
        page.goto(url + "/plugin/alertas?tab=messages")
        search = page.get_by_test_id("message-search")
        search.locator("input[name='q']").fill(customer)
        search.get_by_role("button", name="Buscar").click()
        found = search.get_by_test_id("message").filter(has_text="enviado")
        expect(found).to_have_count(1)
        expect(found.locator("[data-col='subject']")).to_have_text(subject)
        expect(found.locator("[data-col='reference']")).to_contain_text(customer)
        expect(found.locator("[data-col='smtp']")).to_contain_text("250")
        eml = page.request.get(found.get_by_role("link", name="Abrir .eml").get_attribute("href"))
        assert eml.status == 200
        assert email.message_from_bytes(eml.body(), policy=email.policy.default)["Subject"] == subject
        shot("12_message_search_es")

        # The preview of vehicle_arrived for the date: every run of the day, and the ledger's view:
        # the three messages the day's run sent are there, marked already sent.
        mail_before = len(stack_mail.messages)
        page.get_by_test_id("tab-preview").click()
        form = page.get_by_test_id("preview-form")
        form.locator("select[name='family']").select_option(VEHICLES)
        form.locator("input[name='date']").fill(RUN_DATE)
        form.get_by_role("button", name="Ver vista previa").click()
        expect(page.get_by_test_id("preview-line")).to_contain_text("24 corrida(s)", timeout=180_000)
        expect(page.get_by_test_id("preview-line")).to_contain_text("ya enviados 3")
        already = page.locator("[data-testid='preview-message'][data-verdict='already_sent']")
        expect(already).to_have_count(3)
        shown = [text.split(". ", 1)[1] for text in already.locator("[data-col='subject']").all_inner_texts()]
        assert sorted(shown) == sorted(subject for _, subject, _ in vehicles_sent)
        shot("13_preview_es")

        # "Send a test to me": one message, to the address given, nothing else; ledger untouched.
        ledger_before = ledger_counts(demo_databases, VEHICLES, RUN_DATE)
        first = page.get_by_test_id("preview-message").first
        first_subject = first.locator("[data-col='subject']").inner_text().split(". ", 1)[1]
        page.get_by_test_id("test-address").fill(TEST_ADDRESS)
        first.get_by_test_id("test-send").get_by_role("button").click()
        expect(first.get_by_test_id("test-outcome")).to_contain_text(f"Enviado a {TEST_ADDRESS}")
        assert len(stack_mail.messages) == mail_before + 1
        test_mail = stack_mail.messages[-1]
        assert test_mail.rcpt_tos == [TEST_ADDRESS]
        sent = email.message_from_bytes(test_mail.data, policy=email.policy.default)
        assert str(sent["Subject"]) == f"[TEST] {first_subject}" and str(sent["To"]) == TEST_ADDRESS
        assert ledger_counts(demo_databases, VEHICLES, RUN_DATE) == ledger_before
        shot("14_test_sent_es")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "zz_failure_operator.png"), full_page=True)
        raise
    finally:
        context.close()

    # The viewer, in English and the dark theme: counts and runs, no control they cannot use.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        log_in(page, url, "viewer", airflow_ui.password_of("viewer"), language="en", theme="dark")
        page.goto(url + "/plugin/alertas")
        alertas = page.get_by_test_id("alertas-page")
        expect(alertas.get_by_role("heading", name="Runs in Airflow")).to_be_visible()
        expect(page.locator("html")).to_have_class(re.compile("dark"))
        for control in ("tab-messages", "tab-preview", "tab-server", "preview-form", "test-send"):
            expect(page.get_by_test_id(control)).to_have_count(0)
        tall_screenshot(page, ARTIFACTS / "15_viewer_page_dark.png")
        page.goto(f"{url}/dags/{VEHICLES_DAG}/plugin/alertas-dag")
        expect(page.get_by_test_id("page-title")).to_contain_text("messages and runs")
        for control in ("preview-form", "test-send", "message-search"):
            expect(page.get_by_test_id(control)).to_have_count(0)
        page.goto(f"{url}/dags/{VEHICLES_DAG}/runs/{vehicles_run}/plugin/alertas-run")
        expect(page.get_by_test_id("run-line")).to_have_text("sent 3, skipped 0, failed 0")
        assert EMAIL.search(page.get_by_test_id("alertas-root").inner_text()) is None
        tall_screenshot(page, ARTIFACTS / "16_viewer_run_tab_dark.png")
        # A call the viewer may not make answers in words, never a bare {"detail": "Forbidden"}.
        refused = page.request.get(
            f"{url}/alertas/api/preview", params={"family": VEHICLES, "date": RUN_DATE}
        )
        assert refused.status == 403
        assert refused.json()["detail"].startswith("Your Airflow role does not allow this: it needs")
        assert "Forbidden" not in page.content()
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "zz_failure_viewer.png"), full_page=True)
        raise
    finally:
        context.close()
