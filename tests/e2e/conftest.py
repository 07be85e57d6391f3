"""Session fixtures of the end-to-end tests that need `make ui`'s whole stack (tests/support/ui_stack.py)."""

from __future__ import annotations

import pytest

from tests.support.ui_stack import CHROMIUM, CHROMIUM_ARGS, STARTUP_TIMEOUT, require_browser


@pytest.fixture(scope="session")
def ui_stack(tmp_path_factory):
    """`make ui`'s stack in a folder of its own, scheduled runs ON (started once per session)."""
    from alertas_dev.airflow_stack import StackError
    from alertas_dev.ui_stack import UiStack

    require_browser()
    base = tmp_path_factory.mktemp("ui")
    stack = UiStack(base / "ui", base / "demo", scheduled_runs=True)
    try:
        stack.start()
        stack.wait_until_ready(timeout=STARTUP_TIMEOUT)
        yield stack
    except StackError as exc:
        pytest.fail(str(exc))
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for one module (Playwright's sync API allows one instance at a time, and
    tools such as the gallery start their own)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
