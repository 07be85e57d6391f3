"""Tuning an alert from the Alertas page in a real browser (issue 25), on `make ui`'s stack (the
session's, tests/e2e/conftest.py) with headless Chromium.

`operator` (Airflow's user role, in Spanish) changes `work_orders_open_too_long`'s days from 10 to
5 on the DAG's Settings tab: refused values show the models' messages and store nothing; the
preview of the next run shows the new row (a work order open 7 days, added to the demo DMS for the
test and removed after); saving makes it version 1. `admin`, who opened the tab before, saves 7
from the old version: refused, with the current value shown. A run triggered next sends the new
row, and its Alertas tab names the override. Switching off shows on the page's overview and on the
DAG's tab; reverting from the history gives the file's value again; `viewer` sees values and
history without a control.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from alertas_dev.ui_screens import log_in, tall_screenshot
from tests.e2e.ui.test_browser import trigger

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "ui"
FAMILY = "work_orders_open_too_long"
DAG_ID = f"alert_{FAMILY}"
ORDER = 990001  # the work order the test adds: open 7 days
ZONE = ZoneInfo("America/Argentina/Buenos_Aires")
SETTINGS_TAB = f"/dags/{DAG_ID}/plugin/alertas-dag?tab=settings"


@pytest.fixture(scope="module")
def stack(ui_stack):
    return ui_stack


@pytest.fixture
def new_order(stack):
    """A work order of branch CENTRAL opened 7 days ago: outside 10 days, inside 5."""
    opened = datetime.now(ZONE).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=7)
    with psycopg.connect(stack.server.dsn("dms"), autocommit=True) as conn:
        conn.execute(
            """
            insert into dms.work_orders
                (id, branch_id, customer_id, vehicle_id, advisor_id, opened_at, status)
            select %s, b.id, (select min(id) from dms.customers), (select min(id) from dms.vehicles),
                   null, %s, 'open'
              from dms.branches as b where b.code = 'CENTRAL'
            """,
            (ORDER, opened),
        )
    try:
        yield ORDER
    finally:
        with psycopg.connect(stack.server.dsn("dms"), autocommit=True) as conn:
            conn.execute("delete from dms.work_orders where id = %s", (ORDER,))
        stack.airflow.api("PATCH", f"/api/v2/dags/{DAG_ID}", json={"is_paused": True})


def settings_version(stack) -> int:
    with psycopg.connect(stack.server.dsn("alerts")) as conn:
        if not conn.execute("select to_regclass('alerts.setting_overrides') is not null").fetchone()[0]:
            return 0
        return conn.execute(
            "select coalesce(max(version), 0) from alerts.setting_overrides where family = %s", (FAMILY,)
        ).fetchone()[0]


def field_row(page, name: str):
    return page.locator(f"[data-testid='settings-fields'] tr[data-field='{name}']")


def test_tune_an_alert_from_the_page(stack, chromium, new_order):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=60_000)
    airflow, url = stack.airflow, stack.airflow.url
    start_version = settings_version(stack)

    operator_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    admin_context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page, admin = operator_context.new_page(), admin_context.new_page()
    for each in (page, admin):
        each.set_default_timeout(60_000)
    try:
        # The admin opens the tab first: they will save from the version they read.
        log_in(admin, url, "admin", airflow.password_of("admin"), language="en")
        admin.goto(url + SETTINGS_TAB)
        expect(
            field_row(admin, "settings.max_open_days").locator("[data-col='effective'] [data-value]")
        ).to_have_attribute("data-value", "10")

        log_in(page, url, "operator", airflow.password_of("operator"), language="es")
        page.goto(url + SETTINGS_TAB)
        expect(page.get_by_test_id("tab-settings")).to_have_text("Ajustes")
        expect(page.get_by_test_id("family-state")).to_have_attribute("data-state", "on")
        days = field_row(page, "settings.max_open_days")
        expect(days).to_have_attribute("data-source", "file")

        # Refused values: the models' messages, and nothing stored.
        days.locator("input[name='settings.max_open_days']").fill("400")
        cc = field_row(page, "recipients.main.cc")
        cc.locator("textarea").fill("role:jefe_de_taller\njefe@autosur,com")
        page.get_by_test_id("settings-preview").click()
        errors = page.get_by_test_id("error")
        expect(errors).to_contain_text(
            "settings.max_open_days: Input should be less than or equal to 365 (given: 400)"
        )
        expect(errors).to_contain_text("Input should be 'parts_manager'")
        expect(errors).to_contain_text("value is not a valid email address")
        expect(page.get_by_test_id("settings-save")).to_be_disabled()
        assert settings_version(stack) == start_version
        tall_screenshot(page, ARTIFACTS / "20_settings_refused_es.png")

        # 5 days: the preview of the next run shows the new row; then save with a reason.
        cc.locator("textarea").fill("")
        days.locator("input[name='settings.max_open_days']").fill("5")
        page.get_by_test_id("settings-preview").click()
        expect(page.get_by_test_id("settings-preview-line")).to_contain_text("Próxima corrida")
        bodies = page.get_by_test_id("settings-preview-result").get_by_test_id("preview-body")
        expect(bodies.first).to_be_attached()
        assert any(f">{new_order}<" in (body.get_attribute("srcdoc") or "") for body in bodies.all())
        page.get_by_test_id("settings-reason").fill("Taller pide ver las órdenes desde los 5 días")
        page.get_by_test_id("settings-save").click()
        expect(page.get_by_test_id("settings-note")).to_contain_text("Guardado como versión")
        expect(days).to_have_attribute("data-source", "override")
        expect(days.locator("[data-col='effective'] [data-value]")).to_have_attribute("data-value", "5")
        assert settings_version(stack) == start_version + 1
        tall_screenshot(page, ARTIFACTS / "21_settings_saved_es.png")

        # The admin saves 7 from the version they read: refused, and shown the current value.
        admin_days = field_row(admin, "settings.max_open_days")
        admin_days.locator("input[name='settings.max_open_days']").fill("7")
        admin.get_by_test_id("settings-preview").click()
        expect(admin.get_by_test_id("settings-preview-line")).to_contain_text("Next run")
        admin.get_by_test_id("settings-reason").fill("a week")
        admin.get_by_test_id("settings-save").click()
        expect(admin.get_by_test_id("error")).to_contain_text("changed by operator")
        expect(admin.get_by_test_id("settings-note")).to_have_attribute("data-conflict", "true")
        expect(admin_days.locator("[data-col='effective'] [data-value]")).to_have_attribute("data-value", "5")
        assert settings_version(stack) == start_version + 1
        tall_screenshot(admin, ARTIFACTS / "22_settings_conflict_en.png")

        # The next run sends the new row, and its Alertas tab names the override.
        run_id = f"api_tuned__{int(time.time())}"
        trigger(airflow, DAG_ID, run_id, None, {})
        [report] = [m for m in stack.sink.store.messages if f"{new_order}".encode() in m.data]
        assert "hace 5 días o más" in report.message["Subject"]
        page.goto(f"{url}/dags/{DAG_ID}/runs/{run_id}/plugin/alertas-run")
        settings = page.get_by_test_id("run-settings")
        expect(settings.locator("li[data-field='settings.max_open_days']")).to_contain_text(
            "settings.max_open_days: 5 (ajuste, versión"
        )
        expect(settings.get_by_test_id("run-changes")).to_contain_text("settings.max_open_days: 10 -> 5")

        # Switched off: the overview of the page and the DAG's tab say so.
        page.goto(url + SETTINGS_TAB)
        page.get_by_test_id("switch-reason").fill("Migración del sistema del taller")
        page.get_by_test_id("settings-switch").click()
        expect(page.get_by_test_id("settings-state").get_by_test_id("family-state")).to_have_attribute(
            "data-state", "off"
        )
        page.goto(url + "/plugin/alertas")
        off = page.get_by_test_id("mutes").locator(f"tr[data-family='{FAMILY}']")
        expect(off).to_have_attribute("data-state", "off")
        expect(off).to_contain_text("Migración del sistema del taller")
        page.goto(f"{url}/dags/{DAG_ID}/plugin/alertas-dag")
        expect(page.get_by_test_id("family-state")).to_have_attribute("data-state", "off")
        tall_screenshot(page, ARTIFACTS / "23_dag_tab_off_es.png")

        # The viewer sees the values and the history, and no control.
        viewer_context = chromium.new_context(viewport={"width": 1280, "height": 900})
        viewer = viewer_context.new_page()
        try:
            log_in(viewer, url, "viewer", airflow.password_of("viewer"), language="en")
            viewer.goto(url + SETTINGS_TAB)
            expect(field_row(viewer, "settings.max_open_days")).to_have_attribute("data-source", "override")
            expect(
                viewer.get_by_test_id("settings-history-table").locator("tr[data-kind='change']")
            ).to_have_count(1, timeout=30_000)
            for control in (
                "settings-save",
                "settings-preview",
                "settings-switch",
                "revert",
                "settings-reason",
            ):
                expect(viewer.get_by_test_id(control)).to_have_count(0)
            tall_screenshot(viewer, ARTIFACTS / "24_settings_viewer_en.png")
        finally:
            viewer_context.close()

        # Switched on again, and the threshold reverted from the history: the file's value again.
        page.goto(url + SETTINGS_TAB)
        page.get_by_test_id("switch-reason").fill("Migración terminada")
        page.get_by_test_id("settings-switch").click()
        expect(page.get_by_test_id("settings-state").get_by_test_id("family-state")).to_have_attribute(
            "data-state", "on"
        )
        row = page.get_by_test_id("settings-history-table").locator("tr[data-kind='change']").first
        expect(row.locator("[data-col='before']")).to_have_text("10")
        expect(row.locator("[data-col='after']")).to_have_text("5")
        row.get_by_test_id("revert").click()
        row.get_by_test_id("revert-reason").fill("Volvemos a 10 días")
        row.get_by_test_id("revert-confirm").click()
        days = field_row(page, "settings.max_open_days")
        expect(days).to_have_attribute("data-source", "file")
        expect(days.locator("[data-col='effective'] [data-value]")).to_have_attribute("data-value", "10")
        expect(page.get_by_test_id("settings-history-table").locator("tr[data-kind='on']")).to_have_count(1)
        assert re.search(r"Volvemos a 10 días", page.get_by_test_id("settings-history").inner_text())
        tall_screenshot(page, ARTIFACTS / "25_settings_reverted_es.png")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "zz_failure_settings.png"), full_page=True)
        admin.screenshot(path=str(ARTIFACTS / "zz_failure_settings_admin.png"), full_page=True)
        raise
    finally:
        operator_context.close()
        admin_context.close()
