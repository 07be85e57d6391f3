"""`make ui`'s stack for the tests that need a real scheduler and UI, and the browser that drives it.

One stack per test session (`tests/e2e/conftest.py`, fixture `ui_stack`): embedded PostgreSQL with
the demo DMS, the ledger and Airflow's metadata database, the SMTP sink and `airflow standalone`
with scheduled runs ON, as `make ui` starts it. Every alert DAG starts paused; a test that unpauses
one pauses it again. Chromium is Debian's (`/usr/bin/chromium`); Playwright never downloads one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
STARTUP_TIMEOUT = 150


def require_browser() -> None:
    """Skip locally, fail in CI, when Chromium or Playwright is missing."""
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


def log_in(page, airflow, user: str = "admin") -> None:
    """Sign in to the Airflow UI with the password `airflow standalone` generated."""
    from playwright.sync_api import expect

    page.goto(airflow.url + "/")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(airflow.password_of(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="User")).to_be_visible()
