"""`make screenshots` (second part): the Alertas page in the Airflow UI, photographed at 1280 px.

Starts `make ui`'s stack in a folder of its own (embedded PostgreSQL with the demo DMS, SMTP
sink, `airflow standalone`; no scheduled runs), runs what the page needs to show something (the
statements and the vehicle arrivals of 2026-11-01, a dry run, the birthday greetings), then
photographs each view in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): the
page as admin and as viewer, in Spanish and English, light and dark, the message search, the
preview of `vehicle_arrived` with its ledger view, the mail server check and the connections, a
DAG's Alertas tab and a run's. PNGs and a README go to `docs/screenshots/ui/`.

`log_in` and `tall_screenshot` are also the browser test's (tests/e2e/ui/test_browser.py).

    python -m alertas_dev.ui_screens [--out docs/screenshots/ui]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
WIDTH = 1280
MAX_HEIGHT = 4000
ZONE = "America/Argentina/Buenos_Aires"
DAY = "2026-11-01"


def log_in(
    page, url: str, user: str, password: str, *, language: str, theme: str = "light", zone: str = ZONE
):
    """Log in, then choose the UI's language, time zone and theme where the UI keeps them (what
    the user menu writes: localStorage `i18nextLng`, `timezone`, `theme`)."""
    page.goto(url + "/")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="User").wait_for()
    page.evaluate(
        """([language, zone, theme]) => {
            localStorage.setItem('i18nextLng', language);
            localStorage.setItem('timezone', JSON.stringify(zone));
            localStorage.setItem('theme', theme);
        }""",
        [language, zone, theme],
    )


def tall_screenshot(page, path: Path, *, compact: bool = False) -> None:
    """The whole page at WIDTH: the UI scrolls inside its main panel, so the window is made as tall
    as that panel's content (at most MAX_HEIGHT) before the photograph."""
    height = page.evaluate(
        """() => Math.max(window.innerHeight, ...[...document.querySelectorAll('div')]
            .filter((e) => getComputedStyle(e).overflowY === 'auto')
            .map((e) => e.scrollHeight + e.getBoundingClientRect().top))"""
    )
    page.set_viewport_size({"width": WIDTH, "height": min(int(height) + 16, MAX_HEIGHT)})
    page.wait_for_timeout(400)
    png = page.screenshot()
    page.set_viewport_size({"width": WIDTH, "height": 900})
    if compact:
        from alertas_dev.gallery import optimise_png

        optimise_png(png, path)  # a 64-colour palette, as the gallery's: small files in docs/
    else:
        path.write_bytes(png)


def _trigger(airflow, dag_id: str, run_id: str, logical_date: str | None, conf: dict) -> None:
    airflow.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    response = airflow.api(
        "POST",
        f"/api/v2/dags/{dag_id}/dagRuns",
        json={"dag_run_id": run_id, "logical_date": logical_date, "conf": conf},
    )
    response.raise_for_status()


SHOTS = [
    # (file, user, language, theme, path, action)
    ("page.en.admin.png", "admin", "en", "light", "/plugin/alertas", None),
    ("page.es.admin.png", "admin", "es", "light", "/plugin/alertas", None),
    ("page.en.viewer.dark.png", "viewer", "en", "dark", "/plugin/alertas", None),
    ("page.es.viewer.png", "viewer", "es", "light", "/plugin/alertas", None),
    ("message_search.es.png", "admin", "es", "light", "/plugin/alertas?tab=messages", "search"),
    ("preview.es.png", "admin", "es", "light", "/plugin/alertas?tab=preview", "preview"),
    ("mail_server_and_connections.en.png", "admin", "en", "light", "/plugin/alertas?tab=server", "check"),
    ("dag_tab.en.admin.png", "admin", "en", "light", "/dags/alert_vehicle_arrived/plugin/alertas-dag", None),
    (
        "dag_tab.es.viewer.dark.png",
        "viewer",
        "es",
        "dark",
        "/dags/alert_vehicle_arrived/plugin/alertas-dag",
        None,
    ),
    ("run_tab.es.admin.png", "admin", "es", "light", "RUN", None),
    ("run_tab.en.viewer.png", "viewer", "en", "light", "RUN", None),
]


def _act(page, action: str | None, customer: str) -> None:
    if action == "search":
        search = page.get_by_test_id("message-search")
        search.locator("input[name='q']").fill(customer)
        search.locator("button[type='submit']").click()
        page.get_by_test_id("result-count").wait_for()
    elif action == "preview":
        form = page.get_by_test_id("preview-form")
        form.locator("select[name='family']").select_option("vehicle_arrived")
        form.locator("input[name='date']").fill(DAY)
        form.locator("button[type='submit']").click()
        page.get_by_test_id("preview-line").wait_for(timeout=300_000)
        page.get_by_test_id("test-address").fill("pruebas@example.com")
    elif action == "check":
        page.get_by_test_id("mail-server").get_by_role("button").click()
        page.get_by_test_id("server-outcome").wait_for()
    page.wait_for_timeout(1500)


def photograph(url: str, passwords: dict[str, str], out: Path, run_path: str, customer: str) -> list[str]:
    from playwright.sync_api import sync_playwright

    done = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, user, language, theme, path, action in SHOTS:
                context = browser.new_context(viewport={"width": WIDTH, "height": 900})
                page = context.new_page()
                page.set_default_timeout(120_000)
                log_in(page, url, user, passwords[user], language=language, theme=theme)
                page.goto(url + (run_path if path == "RUN" else path))
                page.get_by_test_id("alertas-root").wait_for()
                page.wait_for_timeout(2500)  # the page's data
                _act(page, action, customer)
                tall_screenshot(page, out / name, compact=True)
                done.append(name)
                context.close()
        finally:
            browser.close()
    return done


def write_readme(out: Path, names: list[str]) -> None:
    lines = [
        "# The Alertas page in the Airflow UI",
        "",
        "Made by `make screenshots` (`tools/alertas_dev/ui_screens.py`) on `make ui`'s stack with the",
        f"demo data, after real runs of {DAY} (statements, vehicle arrivals, birthday greetings) and a",
        "dry run, at 1280 px. The time zone chosen in the UI is Buenos Aires; `admin` may trigger runs",
        "and read connections, `viewer` may only read runs (no search, preview, test or connections).",
        "",
    ]
    for name in names:
        lines += [f"## {name.removesuffix('.png')}", "", f"![{name}]({name})", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m alertas_dev.ui_screens", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--out", default="docs/screenshots/ui", help="folder of the PNGs (docs/screenshots/ui)"
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"error: {CHROMIUM} is needed (apt-get install chromium)", file=sys.stderr)
        return 1
    import psycopg

    from alertas_dev.ui_stack import UiStack

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="alertas-ui-screens-") as folder:
        stack = UiStack(Path(folder) / "ui", Path(folder) / "demo", scheduled_runs=False)
        try:
            stack.start()
            stack.wait_until_ready()
            airflow = stack.airflow
            stamp = int(time.time())
            runs = [
                ("alert_customer_statements", f"statements__{stamp}", None, {"run_date": DAY}),
                ("alert_customer_statements", f"dry_run__{stamp}", None, {"run_date": DAY, "dry_run": True}),
                ("alert_vehicle_arrived", f"vehicles__{stamp}", f"{DAY}T11:00:00+00:00", {}),
                ("alert_birthday_greetings", f"birthdays__{stamp}", f"{DAY}T11:00:00+00:00", {}),
            ]
            for dag_id, run_id, logical_date, conf in runs:
                _trigger(airflow, dag_id, run_id, logical_date, conf)
            for dag_id, run_id, _, _ in runs:
                airflow.wait_for_run(dag_id, run_id)
            with psycopg.connect(stack.server.dsn("alerts")) as conn:
                [(customer,)] = conn.execute(
                    "select recipient_ref from alerts.deliveries where family = 'customer_statements' "
                    "and status = 'sent' order by recipient_ref limit 1"
                ).fetchall()
            passwords = {user: airflow.password_of(user) for user in ("admin", "viewer")}
            run_path = f"/dags/alert_vehicle_arrived/runs/vehicles__{stamp}/plugin/alertas-run"
            names = photograph(airflow.url, passwords, out, run_path, customer)
        finally:
            stack.stop()
    write_readme(out, names)
    print(f"{len(names)} screenshot(s) in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
