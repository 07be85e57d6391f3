"""The Airflow UI in a real browser: `make ui`'s stack (tools/alertas_dev/ui_stack.py: embedded
PostgreSQL holding the demo DMS, the ledger and Airflow's metadata database, the SMTP sink,
`airflow standalone`) on loopback, headless Chromium.

One test walks what the data team does: log in, see every `alert_*` DAG by its title (no import
error), read a DAG's docs, open the trigger form (the run parameters; a date written 01/11/2026 is
refused before any run starts), unpause and trigger a dry run and see it succeed, read the run's
"Alertas summary" tab, open the "Alertas Rápidas" page (Browse menu) to see the ledger's counts and
every run with its Airflow state, and preview what a family would send (a statement's body and its
PDF) with nothing sent. A real run of the same date, triggered through the REST API next to the dry
run, fills the ledger the page counts. Screenshots go to `test-artifacts/ui/`.

Needs Debian's `chromium` (`/usr/bin/chromium`, installed by `.ci/run`) and the `playwright`
package (requirements-dev.txt); Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import psycopg
import pytest

from alertas_dev.airflow_stack import StackError
from alertas_dev.ui_stack import UiStack

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
RUN_DATE = "2026-11-01"  # the demo data's October statements
STARTUP_TIMEOUT = 150
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


def require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package (requirements-dev.txt)")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs both: a missing one is a broken set-up, not a skip
        pytest.skip(message)


@pytest.fixture(scope="module")
def ui_stack(tmp_path_factory):
    """`make ui`'s stack in a folder of its own; only triggered runs (no scheduled ones)."""
    require_browser()
    base = tmp_path_factory.mktemp("ui")
    stack = UiStack(base / "ui", base / "demo", scheduled_runs=False)
    try:
        stack.start()
        stack.wait_until_ready(timeout=STARTUP_TIMEOUT)
        yield stack
    except StackError as exc:
        pytest.fail(str(exc))
    finally:
        stack.stop()


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
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


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
        expect(form.get_by_text("Run date", exact=True)).to_be_visible()
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
        assert "run_date: '01/11/2026' is not a 'date'" in refused.json()["detail"]
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

        # The run's summary, on the run: the plugin's "Alertas summary" tab.
        with psycopg.connect(demo_databases.dsn("alerts")) as conn:
            [(summary,)] = conn.execute(
                "select summary from alerts.runs where dag_id = %s and run_id = %s", (DAG_ID, dry_run_id)
            ).fetchall()
        assert summary["dry_run_mode"] is True and summary["sent"] == 0 and summary["dry_run"] > 0
        page.get_by_role("link", name="Alertas summary").click()
        tab = page.frame_locator("iframe")
        expect(tab.get_by_test_id("run-line")).to_contain_text(f"DRY RUN: rendered {summary['dry_run']}")
        expect(tab.locator("[data-col='candidates']")).to_have_text(str(summary["candidates"]))
        expect(tab.get_by_test_id("run-text")).to_contain_text(f"Run summary of {FAMILY} for {RUN_DATE}")
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
        alertas = page.frame_locator("iframe")
        expect(alertas.get_by_role("heading", name="Alertas Rápidas: what was sent")).to_be_visible()
        alertas.get_by_test_id("filter").locator("select[name='family']").select_option(FAMILY)
        alertas.locator("input[name='from']").fill(RUN_DATE)
        alertas.locator("input[name='to']").fill(RUN_DATE)
        alertas.get_by_role("button", name="Filter").click()
        row = alertas.locator(f"tr[data-family='{FAMILY}'][data-day='{RUN_DATE}']")
        expect(row.locator("[data-col='sent']")).to_have_text(str(counts["sent"]))
        expect(row.locator("[data-col='skipped']")).to_have_text(str(counts["skipped"]))
        expect(row.locator("[data-col='skipped_by_reason']")).to_have_text(counts["reasons"])
        expect(row.locator("[data-col='failed']")).to_have_text("0")
        expect(alertas.locator("table[data-testid='days'] tbody tr")).to_have_count(1)
        runs = alertas.locator("table[data-testid='runs']")
        expect(runs.locator(f"tr[data-run-id='{dry_run_id}'] [data-col='mode']")).to_have_text("dry run")
        expect(runs.locator(f"tr[data-run-id='{real_run_id}'] [data-col='mode']")).to_have_text("normal")
        expect(runs.locator(f"tr[data-run-id='{real_run_id}'] [data-col='sent']")).to_have_text(
            str(counts["sent"])
        )
        # Every run with its Airflow state (the dry run included, though it wrote no messages).
        airflow_runs = alertas.locator("table[data-testid='airflow-runs']")
        for run_id in (dry_run_id, real_run_id):
            expect(
                airflow_runs.locator(f"tr[data-airflow-run-id='{run_id}'] [data-col='state']")
            ).to_have_text("success")
        shot("07_alertas_page")
        html = page.locator("iframe").element_handle().content_frame().content()
        assert "Messages per family and day" in html
        assert EMAIL.search(html) is None, "the page shows counts only, never an address"

        # An unknown family in the filter: one clear line, not an empty page that looks healthy.
        bad = airflow_ui.api("GET", "/alertas/", params={"family": "customer_statement"})
        assert bad.status_code == 400 and "no family &#39;customer_statement&#39;" in bad.text
        assert 'data-testid="airflow-runs"' not in bad.text and "No messages" not in bad.text

        # Preview: what the family would send for the date, nothing sent, the ledger untouched.
        mail_before = len(stack_mail.messages)
        preview_form = alertas.get_by_test_id("preview-form")
        preview_form.locator("select[name='family']").select_option(FAMILY)
        preview_form.locator("input[name='date']").fill(RUN_DATE)
        preview_form.get_by_role("button", name="Preview (dry run)").click()
        messages = alertas.get_by_test_id("preview-message")
        expect(messages.first).to_be_visible(timeout=120_000)
        expect(alertas.get_by_test_id("preview-line")).to_contain_text("nothing sent, ledger untouched")
        first = messages.first
        expect(first.locator("[data-col='subject']")).to_contain_text(
            re.compile("Estado de cuenta|Account statement")
        )
        expect(first.locator("[data-col='to']")).to_contain_text("@")
        body = alertas.frame_locator("iframe[data-testid='preview-body']").first
        expect(body.locator("body")).to_contain_text(re.compile("Saldo anterior|Opening balance"))
        pdf_link = first.locator("[data-col='attachments'] a").first
        expect(pdf_link).to_have_text(re.compile(r"\.pdf$"))
        shot("08_preview")
        with page.expect_download() as download_info:
            pdf_link.click()
        pdf = Path(download_info.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF-")
        assert len(stack_mail.messages) == mail_before
        assert ledger_counts(demo_databases, FAMILY, RUN_DATE) == counts

        # The preview needs the right to trigger runs: a viewer may read the page, not preview.
        viewer = airflow_ui.api(
            "POST", "/auth/token", json={"username": "viewer", "password": airflow_ui.password_of("viewer")}
        ).json()["access_token"]
        as_viewer = {"Authorization": f"Bearer {viewer}"}
        import httpx

        assert httpx.get(f"{url}/alertas/", headers=as_viewer, timeout=30).status_code == 200
        denied = httpx.get(
            f"{url}/alertas/preview",
            params={"family": FAMILY, "date": RUN_DATE},
            headers=as_viewer,
            timeout=60,
        )
        assert denied.status_code == 403
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "zz_failure.png"))
        raise
    finally:
        context.close()
